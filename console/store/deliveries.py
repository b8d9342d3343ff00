"""Replies sent by mail: an append-only log per shard (`deliveries/NNNNN.jsonl`), like the replies', of each
try's steps. A try begins ("sending"), then ends "sent", "failed" (nothing left: it may be tried again) or
"uncertain" (the connection broke once the server had the whole mail). The last entry of a reply says where
it stands. A try's Message-ID goes into the Message-ID index (`mail`) when it begins: from then on the mail
may be out, and the customer's answer to it finds the complaint.

Never sent twice: a try is begun under the desk's lock, and while it runs its sender holds an flock on a
file of its own, `deliveries/.<try>.sending`. A "sending" entry whose file nobody holds is a try whose
process died — perhaps after the server took the mail, before "sent" was written: that reply is reported
("may have been sent"), never sent again unless asked (`again`)."""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from tinydb import Query

from console.store.atomic import open_regular
from console.store.documents import parse_time, record
from console.store.errors import StoreError
from console.store.files import unavailable
from console.store.mail import index_message_ids
from console.store.records import Delivery, utc_now

if TYPE_CHECKING:
    from console.store.reader import DeskReader
    from console.store.tinystore import Store

TABLE = "deliveries"
STATES = ("sending", "sent", "failed", "uncertain")
_TEXT_FIELDS = ("reply_id", "complaint_id", "attempt", "state", "message_id", "by")


class ReplyAlreadySent(StoreError):
    def __init__(self, reply_id: str, at: datetime) -> None:
        super().__init__(f"reply {reply_id} was sent at {at.isoformat()}")
        self.reply_id = reply_id
        self.at = at


class ReplyBeingSent(StoreError):
    """Another try (this process's or another's) is sending the reply right now."""

    def __init__(self, reply_id: str, by: str, at: datetime) -> None:
        super().__init__(f"reply {reply_id} is being sent by {by} since {at.isoformat()}")
        self.reply_id = reply_id
        self.by = by
        self.at = at


class ReplyMaybeSent(ReplyBeingSent):
    """A try was cut short after the mail may have left: sent again only when asked (`again`)."""


class SendState(NamedTuple):
    """Where a reply's sending stands: its last entry."""

    state: str
    """"sending", "sent", "failed", "uncertain" — or "interrupted": a "sending" whose sender is gone."""
    at: datetime
    by: str
    via: str = ""
    problem: str = ""


@dataclass(frozen=True)
class SendClaim:
    """A try at sending one reply, begun: holds the flock that says so until it is finished or abandoned."""

    reply_id: str
    complaint_id: str
    message_id: str
    by: str
    attempt: str
    descriptor: int
    path: Path
    """The try's lock file."""


def delivery_document(claim: SendClaim, state: str, at: datetime, via: str = "", problem: str = "") -> dict[str, Any]:
    return {
        "reply_id": claim.reply_id,
        "complaint_id": claim.complaint_id,
        "attempt": claim.attempt,
        "state": state,
        "message_id": claim.message_id,
        "by": claim.by,
        "at": at.isoformat(),
        "via": via,
        "problem": problem,
    }


def entry_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """A log entry checked (ValueError when it does not fit), its time parsed."""
    if not all(isinstance(document.get(name), str) for name in (*_TEXT_FIELDS, "at", "via", "problem")):
        raise ValueError(f"a delivery needs {', '.join(_TEXT_FIELDS)}, at, via and problem as text")
    if document["state"] not in STATES:
        raise ValueError(f"state {document['state']!r} is not one of {', '.join(STATES)}")
    return {**document, "at": parse_time(document["at"])}


def _entries(store: DeskReader, number: int, **wanted: str) -> list[dict[str, Any]]:
    path = store.layout.log(TABLE, number)
    log = store.log(TABLE, number)
    found = log.search(_matching(wanted)) if wanted else log.all()
    return [record(path, entry_fields, document) for document in found]


def _matching(wanted: Mapping[str, str]) -> Any:
    condition = None
    for name, value in wanted.items():
        test = Query()[name] == value
        condition = test if condition is None else condition & test
    return condition


def _lock_path(store: DeskReader, attempt: str) -> Path:
    return store.directory / TABLE / f".{attempt}.sending"


def _held(store: DeskReader, attempt: str) -> bool:
    """Whether a sender holds this try's lock file (a crashed one's flock went with its process)."""
    try:
        descriptor = open_regular(_lock_path(store, attempt), os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise unavailable(_lock_path(store, attempt), error) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def _state(store: DeskReader, entries: list[dict[str, Any]]) -> SendState:
    last = entries[-1]
    state = last["state"]
    if state == "sending" and not _held(store, last["attempt"]):
        state = "interrupted"
    return SendState(state, last["at"], last["by"], last["via"], last["problem"])


def send_states(store: DeskReader, complaint_id: str) -> dict[str, SendState]:
    """Where each of the complaint's replies that was ever tried stands, by reply id."""
    by_reply: dict[str, list[dict[str, Any]]] = {}
    for entry in _entries(store, store.shard_of(complaint_id), complaint_id=complaint_id):
        by_reply.setdefault(entry["reply_id"], []).append(entry)
    return {reply_id: _state(store, entries) for reply_id, entries in by_reply.items()}


def begin_sending(
    store: Store, reply_id: str, complaint_id: str, message_id: str, by: str, again: bool = False
) -> SendClaim:
    """Claim the sending of a reply, or refuse: ReplyAlreadySent, ReplyBeingSent, or ReplyMaybeSent for a try
    cut short (unless `again`: the agent asked to send it once more)."""
    attempt = uuid.uuid4().hex
    claim: SendClaim | None = None
    try:
        with store.transaction() as transaction:
            number, _table, _document = transaction.find(complaint_id)
            log = transaction.log(TABLE, number, appending=False)
            path = store.layout.log(TABLE, number)
            entries = [record(path, entry_fields, d) for d in log.search(Query().reply_id == reply_id)]
            if entries:
                state = _state(store, entries)
                if state.state == "sent":
                    raise ReplyAlreadySent(reply_id, state.at)
                if state.state == "sending":
                    raise ReplyBeingSent(reply_id, state.by, state.at)
                if state.state in ("interrupted", "uncertain") and not again:
                    raise ReplyMaybeSent(reply_id, state.by, state.at)
                if state.state == "interrupted":
                    _lock_path(store, entries[-1]["attempt"]).unlink(missing_ok=True)
            claim = _claim(store, reply_id, complaint_id, message_id, by, attempt)
            log.insert(delivery_document(claim, "sending", utc_now()))
            index_message_ids(transaction, {message_id: complaint_id})  # from now on the mail may be out
    except BaseException:
        if claim is not None:
            _release(claim)
        raise
    return claim


def _claim(store: Store, reply_id: str, complaint_id: str, message_id: str, by: str, attempt: str) -> SendClaim:
    path = _lock_path(store, attempt)
    try:
        descriptor = open_regular(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, store.mode)
    except OSError as error:
        raise unavailable(path, error) from None
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else holds it
    return SendClaim(reply_id, complaint_id, message_id, by, attempt, descriptor, path)


def _release(claim: SendClaim, remove: bool = True) -> None:
    """Let go of the try's lock; its file goes too once the try's end is written."""
    if remove:
        claim.path.unlink(missing_ok=True)
    os.close(claim.descriptor)


def finish_sending(store: Store, claim: SendClaim, via: str, at: datetime) -> Delivery:
    """The mail has left: record it. Should this fail (the disk, the lock), the try stays begun and its lock
    is let go, so the reply reads as "may have been sent", never as unsent."""
    try:
        with store.transaction() as transaction:
            number = store.shard_of(claim.complaint_id)
            transaction.log(TABLE, number).insert(delivery_document(claim, "sent", at, via=via))
            index_message_ids(transaction, {claim.message_id: claim.complaint_id})  # indexed at begin: kept
    except BaseException:
        _release(claim, remove=False)
        raise
    _release(claim)
    return Delivery(claim.reply_id, claim.complaint_id, claim.message_id, at, via)


def abandon_sending(store: Store, claim: SendClaim, problem: str, uncertain: bool = False) -> None:
    """The try failed: "failed" (not sent, may be tried again) or, `uncertain`, it may have left."""
    try:
        with store.transaction() as transaction:
            number = store.shard_of(claim.complaint_id)
            state = "uncertain" if uncertain else "failed"
            transaction.log(TABLE, number).insert(delivery_document(claim, state, utc_now(), problem=problem))
    finally:
        _release(claim, remove=True)


def _delivery(entry: Mapping[str, Any]) -> Delivery:
    return Delivery(entry["reply_id"], entry["complaint_id"], entry["message_id"], entry["at"], entry["via"])


def delivery_record(document: Mapping[str, Any]) -> Delivery:
    """Any entry of the log as a Delivery (ValueError when it does not fit): what `check` reads."""
    return _delivery(entry_fields(document))


def deliveries_of(store: DeskReader, complaint_id: str) -> list[Delivery]:
    """The complaint's replies sent, in the order they were sent."""
    sent = _entries(store, store.shard_of(complaint_id), complaint_id=complaint_id, state="sent")
    return sorted(map(_delivery, sent), key=lambda delivery: delivery.at)


def deliveries_by_complaint(store: DeskReader) -> dict[str, list[Delivery]]:
    """Every reply sent, grouped by complaint, in the order sent (one pass for an export)."""
    grouped: dict[str, list[Delivery]] = {}
    for number in store.layout.shard_numbers():
        for entry in _entries(store, number):
            if entry["state"] == "sent":
                grouped.setdefault(entry["complaint_id"], []).append(_delivery(entry))
    for found in grouped.values():
        found.sort(key=lambda delivery: delivery.at)
    return grouped
