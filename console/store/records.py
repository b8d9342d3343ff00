"""The desk's records: named tuples (immutable, and a fraction of a dataclass's cost to define at start-up),
free of any storage or UI library."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import NamedTuple

STATUSES: tuple[str, ...] = ("open", "waiting", "resolved")
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
CHANNELS: tuple[str, ...] = ("email", "phone", "chat", "web")
FIELDS_WITH_HISTORY: tuple[str, ...] = ("status", "priority", "assignee", "playbook")


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_note_id() -> str:
    """A note's id, made by whoever writes the note before its first try: a retry is then recognised."""
    return uuid.uuid4().hex


def new_reply_id() -> str:
    """A reply's id, made before its first try, as a note's is."""
    return uuid.uuid4().hex


def next_in_cycle(values: tuple[str, ...], current: str) -> str:
    """The value after `current` (status and priority keys cycle through their values)."""
    index = values.index(current) if current in values else -1
    return values[(index + 1) % len(values)]


class Tick(NamedTuple):
    """A checklist step marked done: which step of which playbook, by whom, when."""

    playbook: str
    step: str
    by: str
    at: datetime


class Attachment(NamedTuple):
    """A file that came with a customer's mail, kept in the desk by its content (`digest`)."""

    name: str
    """The file name the mail gave, cleaned: no folders, no control characters ("" when it gave none)."""
    content_type: str
    size: int
    digest: str
    """The SHA-256 of its bytes (hex): the desk keeps one copy per content."""


class Complaint(NamedTuple):
    id: str
    received: datetime
    customer_name: str
    customer_email: str
    channel: str
    language: str
    subject: str
    body: str
    kind: str = "complaint"
    priority: str = "normal"
    customer_phone: str = ""
    status: str = "open"
    assignee: str | None = None
    playbook: str | None = None
    ticks: Mapping[str, Tick] = MappingProxyType({})  # read-only: one empty mapping does for all
    first_response_at: datetime | None = None
    """When the first reply to the customer was stored (None: not answered yet); set with that reply. A later
    message from the customer clears it: a reply is owed again (see `clock_from`)."""
    message_id: str = ""
    """The Message-ID of the mail the complaint came in (without <>), "" when it did not come by mail."""
    attachments: tuple[Attachment, ...] = ()
    """The files that came with that mail."""
    clock_from: datetime | None = None
    """When the customer's latest message that is owed a reply came: the first-response clock runs from here
    (None: from `received`)."""

    @property
    def clock_start(self) -> datetime:
        """Where the first-response clock runs from: the customer's latest message owed a reply."""
        return self.clock_from or self.received

    @staticmethod
    def tick_key(playbook: str, step: str) -> str:
        return f"{playbook}/{step}"

    def tick(self, playbook: str, step: str) -> Tick | None:
        return self.ticks.get(self.tick_key(playbook, step))

    def done_count(self, playbook: str, steps: tuple[str, ...]) -> int:
        return sum(1 for step in steps if self.tick_key(playbook, step) in self.ticks)


class Note(NamedTuple):
    """An internal note; notes are only ever added, never edited or removed."""

    complaint_id: str
    author: str
    at: datetime
    text: str
    id: str = ""
    """Made by the caller before its first try (`new_note_id`): storing a note whose id is stored does
    nothing. Empty on a note not stored yet that was made without one (it is given one when stored)."""


class Reply(NamedTuple):
    """An answer to the customer, in `language` (the customer's, as a rule); only ever added, like notes."""

    id: str
    """Made by the caller before its first try (`new_reply_id`): storing a reply whose id is stored does
    nothing, so a retry after an unclear failure never answers twice."""
    complaint_id: str
    text: str
    language: str
    author: str
    at: datetime


class CustomerMessage(NamedTuple):
    """A later message from the customer in a complaint's conversation (a mail answering ours, say); only
    ever added, like notes and replies."""

    id: str
    """Its Message-ID (without <>): the key, so importing the same mail twice adds it once."""
    complaint_id: str
    text: str
    at: datetime
    subject: str = ""
    attachments: tuple[Attachment, ...] = ()


class Delivery(NamedTuple):
    """A reply sent to the customer by mail: which reply, under which Message-ID, when, and how."""

    reply_id: str
    complaint_id: str
    message_id: str
    """The Message-ID the sent mail carried (without <>); a customer's answer to it finds the complaint."""
    at: datetime
    via: str
    """How it left, for people: "smtp mail.example.com:587" or "sendmail /usr/bin/msmtp"."""


class Draft(NamedTuple):
    """Text an agent has written and not saved yet (a reply or a note), kept across restarts."""

    text: str
    language: str
    at: datetime


DRAFT_KINDS: tuple[str, ...] = ("reply", "note")


class Change(NamedTuple):
    """One recorded change of a complaint's status, priority, assignee, playbook or a step."""

    complaint_id: str
    field: str
    old: str | None
    new: str | None
    by: str
    at: datetime


class ImportResult(NamedTuple):
    added: int
    already_present: int
    differing: tuple[str, ...] = ()
    """Ids already present whose stored content differs from the imported one (kept as stored)."""


class MailResult(NamedTuple):
    """What `Store.add_mail` did: complaints added, customer messages joined to their conversation, mails
    (complaints or messages) that were there already, and the complaints it reopened."""

    added: int
    joined: int
    already_present: int
    reopened: tuple[str, ...] = ()


class Summary(NamedTuple):
    """A complaint as the inbox shows it: no message body, no contact details, `received` as UTC ISO text
    (which sorts by time) and the keys of ticked steps as one space-separated text."""

    id: str
    received: str
    customer_name: str
    subject: str
    channel: str
    language: str
    kind: str
    status: str
    priority: str
    assignee: str | None
    playbook: str | None
    ticked: str
    first_response: str
    """When the first reply was stored (UTC ISO text), "" when none was."""
    clock_from: str = ""
    """When the first-response clock restarted (a customer's later message; UTC ISO text), "" when it runs
    from `received`."""

    @property
    def clock_start(self) -> str:
        """Where the first-response clock runs from (UTC ISO text)."""
        return self.clock_from or self.received

    @property
    def received_at(self) -> datetime:
        return datetime.fromisoformat(self.received)

    def done_count(self, playbook: str, steps: tuple[str, ...]) -> int:
        ticked = set(self.ticked.split())
        return sum(1 for step in steps if Complaint.tick_key(playbook, step) in ticked)
