"""`agent-console import` of mail: an mbox file or a Maildir folder into the desk, and `--watch MAILDIR`.

The Message-ID is the key. A message the desk knows (as a complaint, a customer's follow-up or a reply it
sent) is counted and left; a message that answers a known one (In-Reply-To / References) joins that
complaint's conversation; any other becomes a complaint "M-…" on the email channel. The shop's own replies (an
`export --format mbox` holds them: X-Agent-Console-Reply and From the shop's address) are left out and counted:
they thread the conversation but are never taken for the customer's words. A broken message is
named by its position and skipped; the rest is imported. Messages are taken BATCH at a time: their keys are
read from the raw header blocks, looked up in one call, and only the new ones are parsed.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console.i18n import _, match_language, ngettext
from console.importing import ImportFileError
from console.mail_reader import (
    BrokenMail,
    MailRecord,
    MessageKeys,
    NotMail,
    Position,
    RawMessage,
    Unreadable,
    address_key,
    is_mail,
    message_keys,
    raw_messages,
    read_message,
    sent_by_shop,
)
from console.safe_text import clean_line
from console.store import Attachment, Complaint, CustomerMessage, Note
from console.store.records import utc_now

if TYPE_CHECKING:
    from argparse import Namespace

    from console.playbooks import Playbooks
    from console.store import Store

BATCH = 5000
"""Messages looked up, parsed and stored together: one lookup and one transaction (two with threads) each. A
transaction's cost is mostly the route and index files it rewrites, whatever it adds: storing the benchmark's
10k mails into an empty desk took 2.05 s in batches of 1000 (11 transactions), 0.76 s in two of 5000 (3
transactions; medians of three runs)."""
BATCH_BYTES = 64 << 20
"""A batch ends early at this many bytes of raw mail: a mailbox of large attachments is never held whole."""
PROGRESS_STEP = 250
"""The progress bar moves after every this many messages parsed."""
SKIPPED_SHOWN = 20
PROGRESS_FROM = 200
"""A progress bar for mailboxes at least this big (and only on a terminal)."""
MAIL_KIND = "complaint"


class MailImportError(ImportFileError):
    """A path or option of a mail import that cannot be used: one line (shown as an import error is)."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)


class Skipped(NamedTuple):
    position: Position
    problem: str


class MailImportResult(NamedTuple):
    added: int = 0
    joined: int = 0
    already_present: int = 0
    skipped: tuple[Skipped, ...] = ()
    reopened: tuple[str, ...] = ()
    ours: int = 0
    """The shop's own replies met (left out)."""

    def plus(self, other: MailImportResult) -> MailImportResult:
        """Both results together (counts added, lists joined)."""
        return MailImportResult(
            self.added + other.added,
            self.joined + other.joined,
            self.already_present + other.already_present,
            self.skipped + other.skipped,
            self.reopened + other.reopened,
            self.ours + other.ours,
        )

    @property
    def anything(self) -> bool:
        return bool(self.added or self.joined or self.skipped or self.ours)


def mail_complaint_id(message_id: str) -> str:
    """A mail complaint's id: "M-" and ten letters or digits of its Message-ID's SHA-256 (CONTRACTS)."""
    digest = hashlib.sha256(message_id.encode("utf-8")).digest()
    return "M-" + base64.b32encode(digest).decode("ascii")[:10].upper()


class _Pending(NamedTuple):
    position: Position
    raw: bytes
    keys: MessageKeys


class MailImporter:
    """Imports batches of raw messages into one desk."""

    def __init__(
        self, store: Store, playbook: str, default_language: str = "en", by: str = "mail", shop: str = ""
    ) -> None:
        self.store = store
        self.shop = shop
        """The shop's address (`[mail] from`, else the one `export --format mbox` writes): its marked mail is ours."""
        self.playbook = playbook
        self.default_language = default_language
        self.by = by
        self._customers: dict[str, str] = {}  # complaint id -> its customer's address, as compared
        self._starters: dict[str, str] = {}  # Message-ID of a mail made a complaint in this import -> its address

    def import_messages(
        self, messages: Iterable[RawMessage], advance: Callable[[int], None] = lambda _count: None
    ) -> MailImportResult:
        """Every message, BATCH at a time; `advance(n)` as they are read (every PROGRESS_STEP parsed)."""
        result = MailImportResult()
        iterator = iter(messages)
        seen: set[str] = set()  # Message-IDs met in this import: a mailbox may hold one twice
        later: list[tuple[MailRecord, str]] = []
        while batch := _next_batch(iterator):
            stored, later = self._import_batch(batch, seen, later, advance)
            result = result.plus(stored)
        return result.plus(self._join_later(later)) if later else result

    def _import_batch(
        self,
        batch: list[RawMessage],
        seen: set[str],
        earlier: list[tuple[MailRecord, str]],
        advance: Callable[[int], None],
    ) -> tuple[MailImportResult, list[tuple[MailRecord, str]]]:
        """One transaction: the batch's new complaints, the follow-ups of complaints the desk knows, and
        the follow-ups the batch before left (`earlier`: their complaints are stored now). Returns what was
        stored, and the follow-ups of complaints new in this batch, for the next one."""
        skipped = [Skipped(position, raw.problem) for position, raw in batch if isinstance(raw, Unreadable)]
        pending = [_Pending(position, raw, message_keys(raw)) for position, raw in batch if isinstance(raw, bytes)]
        asked = {pending.keys.message_id for pending in pending}
        asked.update(parent for item in pending for parent in item.keys.parents)
        asked.update(root for _record, root in earlier)
        known = self.store.known_message_ids(asked)
        complaints = [self._complaint(record) for record, root in earlier if root not in known]  # root was broken
        messages: list[CustomerMessage] = []
        apart: list[tuple[MailRecord, str]] = []
        for record, root in earlier:
            if root in known:
                self._follow_up(record, known[root], root, complaints, messages, apart)
        for message in messages:  # stored in this batch's transaction: a reply to one joins the same complaint
            known[message.id] = message.complaint_id  # (one kept apart never leads a reply to the complaint it named)
        fresh = _unseen(pending, known, seen)
        present = len(pending) - len(fresh)
        advance(len(batch) - len(fresh))  # known or unreadable: nothing to parse
        here = {item.keys.message_id for item in fresh}
        parent_of = {
            item.keys.message_id: next((p for p in item.keys.parents if p in known or p in here), None)
            for item in fresh
        }
        ours = {item.keys.message_id for item in fresh if sent_by_shop(item.raw, self.shop)}
        later: list[tuple[MailRecord, str]] = []  # follow-ups of complaints in this batch, and their root
        for number, item in enumerate(fresh, 1):
            if number % PROGRESS_STEP == 0:
                advance(PROGRESS_STEP)
            if item.keys.message_id in ours:  # threads the customer's answer to it (parent_of), stored as nothing
                continue
            root = _root(item.keys.message_id, parent_of)
            try:
                record = read_message(
                    item.raw, item.position, self.default_language, detect=root == item.keys.message_id
                )
            except BrokenMail as problem:
                skipped.append(Skipped(item.position, str(problem)))
                continue
            if root == record.message_id:
                complaints.append(self._complaint(record))
            elif root in known:
                self._follow_up(record, known[root], root, complaints, messages, apart)
            else:
                later.append((record, root))
        advance(len(fresh) % PROGRESS_STEP)
        result = self.store.add_mail(complaints, messages, by=self.by)
        self._note_apart(apart)
        skipped.sort(key=lambda item: item.position.number)
        stored = MailImportResult(
            result.added, result.joined, present + result.already_present, tuple(skipped), result.reopened, len(ours)
        )
        return stored, later

    def _join_later(self, later: list[tuple[MailRecord, str]]) -> MailImportResult:
        """Follow-ups of complaints stored a moment ago, after the last batch: their ids as stored (one may have
        taken "-2"). A follow-up whose first message was broken becomes a complaint of its own."""
        stored = self.store.known_message_ids({root for _record, root in later})
        complaints = [self._complaint(record) for record, root in later if root not in stored]
        messages: list[CustomerMessage] = []
        apart: list[tuple[MailRecord, str]] = []
        for record, root in later:
            if root in stored:
                self._follow_up(record, stored[root], root, complaints, messages, apart)
        result = self.store.add_mail(complaints, messages, by=self.by)
        self._note_apart(apart)
        return MailImportResult(result.added, result.joined, result.already_present, (), result.reopened)

    def _after_our_reply(self, record: MailRecord, complaint_id: str) -> datetime:
        """When a customer's answer came: its Date, but never before the reply of ours it answers was sent. A
        customer's clock behind ours (or an answer in the same second) would otherwise put it before that reply
        in the conversation, and leave the complaint closed with its clock stopped. Our replies' Message-IDs are
        in the shop's domain (`[mail] from`), so only those parents are looked up."""
        domain = "@" + self.shop.rpartition("@")[2].lower()
        ours = {parent for parent in record.parents if parent.lower().endswith(domain)}
        if domain == "@" or not ours:
            return record.received
        sent = [delivery.at for delivery in self.store.deliveries(complaint_id) if delivery.message_id in ours]
        return max([record.received, *sent])

    def _follow_up(
        self, record: MailRecord, complaint_id: str, root: str, complaints: list[Complaint],
        messages: list[CustomerMessage], apart: list[tuple[MailRecord, str]],
    ) -> None:  # fmt: skip
        """A mail answering complaint `complaint_id` (the thread `root` started) joins its conversation only when
        it comes from that complaint's customer: Message-IDs leak (quoted in replies) and can be guessed, so a
        stranger naming one must not reopen another customer's complaint nor put words in it. From any other
        address it becomes a complaint of its own, with a note naming the complaint it answers (`apart`)."""
        customer = self._starters.get(root)
        if customer is None:
            if complaint_id not in self._customers:  # a complaint from before this import: read once
                self._customers[complaint_id] = address_key(self.store.complaint(complaint_id).customer_email)
            customer = self._customers[complaint_id]
        if address_key(record.email) == customer:
            messages.append(self._message(record, complaint_id))
        else:
            complaints.append(self._complaint(record))
            apart.append((record, complaint_id))

    def _note_apart(self, apart: list[tuple[MailRecord, str]]) -> None:
        """A note on each complaint kept apart by `_follow_up` (as stored: its id may have taken "-2"), all in one
        transaction."""
        if not apart:
            return
        stored = self.store.known_message_ids(record.message_id for record, _answered in apart)
        notes: list[Note] = []
        for record, answered in apart:
            if record.message_id in stored:
                text = _(
                    "This mail answers complaint {id}, but it comes from {address}, not from that complaint's "
                    "customer, so it was kept apart as a complaint of its own."
                ).format(id=answered, address=record.email)
                notes.append(Note(stored[record.message_id], self.by, utc_now(), text))
        self.store.add_notes(notes)  # one transaction for them all

    def _language(self, record: MailRecord) -> str:
        """For a message read as a follow-up that has to be a complaint after all (its thread's start was broken)."""
        from console.language_detection import detect_language

        return detect_language(f"{record.subject}\n{record.body}") or self.default_language

    def _attachments(self, record: MailRecord) -> tuple[Attachment, ...]:
        return tuple(
            Attachment(item.name, item.content_type, len(item.data), self.store.keep_attachment(item.data))
            for item in record.attachments
        )

    def _complaint(self, record: MailRecord) -> Complaint:
        self._starters[record.message_id] = address_key(record.email)
        return Complaint(
            id=mail_complaint_id(record.message_id),
            received=record.received,
            customer_name=record.name,
            customer_email=record.email,
            channel="email",
            language=record.language or self._language(record),
            subject=record.subject,
            body=record.body,
            kind=MAIL_KIND,
            playbook=self.playbook,
            message_id=record.message_id,
            attachments=self._attachments(record),
        )

    def _message(self, record: MailRecord, complaint_id: str) -> CustomerMessage:
        return CustomerMessage(
            id=record.message_id,
            complaint_id=complaint_id,
            text=record.body,
            at=self._after_our_reply(record, complaint_id),
            subject=record.subject,
            attachments=self._attachments(record),
        )


def _next_batch(iterator: Iterator[RawMessage]) -> list[RawMessage]:
    """The next BATCH messages, or fewer when they come to BATCH_BYTES."""
    batch: list[RawMessage] = []
    size = 0
    for item in iterator:
        batch.append(item)
        size += len(item[1]) if isinstance(item[1], bytes) else 0
        if len(batch) == BATCH or size >= BATCH_BYTES:
            break
    return batch


def _unseen(pending: list[_Pending], known: dict[str, str], seen: set[str]) -> list[_Pending]:
    """The messages neither the desk nor this import has met yet (`seen` learns them)."""
    fresh = []
    for item in pending:
        if item.keys.message_id not in known and item.keys.message_id not in seen:
            seen.add(item.keys.message_id)
            fresh.append(item)
    return fresh


def _root(message_id: str, parent_of: dict[str, str | None]) -> str:
    """The first message of `message_id`'s thread as far as this batch and the desk know it: the message itself
    when it answers nothing known, a known Message-ID, or a new message of this batch."""
    current, visited = message_id, {message_id}
    while (parent := parent_of.get(current)) is not None and parent not in visited:
        visited.add(parent)
        current = parent
    return current


# The command line


def default_language(defaults: Sequence[str]) -> str:
    """The language for mail that neither states nor shows one: `--default language=…`, else English."""
    for item in defaults:
        name, _equals, value = item.partition("=")
        if name.strip().lower() in ("language", "lang"):
            language = match_language(value.strip())
            if language is None:
                raise MailImportError(
                    _("--default {given}: the language must be fi, et, hr or en").format(given=repr(item))
                )
            return language
    return "en"


def wants_mail(arguments: Namespace) -> bool:
    """Whether `import` was given mail (an mbox file or a Maildir folder) or `--watch`."""
    return bool(getattr(arguments, "watch", False)) or any(is_mail(path) for path in arguments.files)


def run(store: Store, playbooks: Playbooks, arguments: Namespace, shop: str = "") -> int:
    """`import` of mail paths, or `import --watch MAILDIR`: the summary on stdout, skipped messages on stderr."""
    paths: list[Path] = arguments.files
    not_mail = [path for path in paths if not is_mail(path)]
    if not_mail:
        problem = _("{path}: neither an mbox file nor a Maildir folder (import mail and JSON or CSV files apart)")
        raise MailImportError(problem.format(path=not_mail[0]))
    language = default_language(getattr(arguments, "default", None) or ())
    importer = MailImporter(store, playbooks.for_kind(MAIL_KIND).id, language, shop=shop)
    if getattr(arguments, "watch", False):
        from console.mail_watch import watch

        return watch(importer, paths)
    from console.language_detection import warm_up_in_background

    warm_up_in_background()
    total = MailImportResult()
    for path in paths:
        result = _import_path(importer, path)
        report_skipped(path, result.skipped)
        total = total.plus(result)
    print(summary(total))
    if total.reopened:
        print(reopened_line(total.reopened))
    return 0


def _import_path(importer: MailImporter, path: Path) -> MailImportResult:
    try:
        mailbox = raw_messages(path)
    except (NotMail, OSError) as error:
        raise MailImportError(str(error) if isinstance(error, NotMail) else f"{path}: {error.strerror}") from None
    if len(mailbox) < PROGRESS_FROM or not sys.stderr.isatty():
        return importer.import_messages(mailbox)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(_("Importing mail"), total=len(mailbox))
        return importer.import_messages(mailbox, lambda count: progress.advance(task, count))


def summary(result: MailImportResult, zeros: bool = True) -> str:
    """One line: what was added, joined, already there and skipped (`zeros=False`: only what happened, for the
    line `--watch` prints at each arrival, which fits 80 columns then)."""
    parts = (
        ngettext("Imported {count} new complaint from mail", "Imported {count} new complaints from mail", result.added),
        ngettext("{count} follow-up joined its complaint", "{count} follow-ups joined their complaints", result.joined),
        ngettext("{count} was already present", "{count} were already present", result.already_present),
        ngettext("{count} skipped.", "{count} skipped.", len(result.skipped)),
    )
    counts = (result.added, result.joined, result.already_present, len(result.skipped))
    kept = [part.format(count=count) for part, count in zip(parts, counts, strict=True) if zeros or count]
    line = ", ".join(kept)
    if kept and not line.endswith("."):
        line += "."
    if not result.ours:
        return line
    ours = ngettext(
        "{count} reply the shop sent was left out (it is not the customer's words).",
        "{count} replies the shop sent were left out (they are not the customer's words).",
        result.ours,
    )
    return f"{line} {ours.format(count=result.ours)}".strip()


def report_skipped(path: Path, skipped: Sequence[Skipped]) -> None:
    """Each skipped message on stderr, by its position (the first SKIPPED_SHOWN)."""
    for item in skipped[:SKIPPED_SHOWN]:
        where = item.position.describe()
        print(_("{path}: {where}: skipped: {problem}").format(path=path, where=where, problem=item.problem),
              file=sys.stderr)  # fmt: skip
    if len(skipped) > SKIPPED_SHOWN:
        more = len(skipped) - SKIPPED_SHOWN
        print(ngettext("… and {count} more skipped", "… and {count} more skipped", more).format(count=more),
              file=sys.stderr)  # fmt: skip


def reopened_line(reopened: Sequence[str]) -> str:
    ids = [clean_line(complaint_id) for complaint_id in reopened]
    return ngettext("Reopened {ids}.", "Reopened {ids}.", len(ids)).format(ids=", ".join(ids))
