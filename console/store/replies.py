"""Replies to the customer: an append-only TinyDB table kept, like notes, as one log per shard
(`replies/NNNNN.jsonl`). The first reply to a complaint also sets its `first_response_at`, in the same
transaction, so the inbox (and the first-response clock) reads it from the shard's columns, never from a log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tinydb import Query

from console.store.documents import parse_time, record
from console.store.records import Change, CustomerMessage, Note, Reply, new_reply_id, utc_now

if TYPE_CHECKING:
    from console.store.reader import DeskReader
    from console.store.tinystore import Store

TABLE = "replies"
REPLY_FIELDS = ("id", "complaint_id", "text", "language", "author")


def reply_document(reply: Reply) -> dict[str, Any]:
    return {**reply._asdict(), "at": reply.at.isoformat()}


def reply_fields(document: Mapping[str, Any]) -> Reply:
    if not all(isinstance(document.get(name), str) for name in REPLY_FIELDS):
        raise ValueError(f"a reply needs {', '.join(REPLY_FIELDS)} as text")
    return Reply(
        document["id"], document["complaint_id"], document["text"], document["language"], document["author"],
        shown_time(document["at"]),
    )  # fmt: skip


def shown_time(value: object) -> datetime:
    """A reply's time, one that every time zone can show: "9999-12-31T23:00-05:00" passes the last day
    Python holds once in UTC, and a hand-edited log line with it crashed `show` instead of being damage."""
    moment = parse_time(str(value))
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not 1 < year < 9999:
        raise ValueError(f"time {value!r} is out of range")
    return moment


def read_reply(path: Path, document: Mapping[str, Any]) -> Reply:
    """A reply from its stored document (StoreCorrupt names `path` when it does not fit)."""
    return record(path, reply_fields, document)  # type: ignore[no-any-return]


def add_reply(
    store: Store,
    complaint_id: str,
    text: str,
    language: str,
    author: str,
    reply_id: str | None = None,
    at: datetime | None = None,
) -> Reply:
    """Store a reply; the first one to a complaint sets its `first_response_at` in the same transaction (all
    or nothing, through the journal). `reply_id` (see `new_reply_id`) is made before the first try: when a
    reply with that id is stored already, nothing is added and the stored reply is returned."""
    reply = Reply(reply_id or new_reply_id(), complaint_id, text, language, author, at or utc_now())
    with store.transaction() as transaction:
        number, table, document = transaction.find(complaint_id)
        log = transaction.log(TABLE, number, appending=False)  # looked up by id before it is added
        stored = log.get(Query().id == reply.id)
        if stored is not None:
            return read_reply(store.layout.log(TABLE, number), stored)
        log.insert(reply_document(reply))
        if document.get("first_response_at") is None:
            first = reply.at.astimezone(UTC).isoformat()  # UTC text: the inbox compares times as text
            table.update({"first_response_at": first}, doc_ids=[document.doc_id])
    return reply


Logged = TypeVar("Logged", Reply, CustomerMessage, Note, Change)
"""A record kept in a shard's log, of a complaint, at a time."""


def logged_of(
    store: DeskReader, table: str, read: Callable[[Path, Mapping[str, Any]], Logged], complaint_id: str
) -> list[Logged]:
    """The complaint's records in the log `table` of its shard, oldest first."""
    number = store.shard_of(complaint_id)
    path = store.layout.log(table, number)
    documents = store.log(table, number).search(Query().complaint_id == complaint_id)
    return sorted((read(path, document) for document in documents), key=lambda found: found.at)


def logged_by_complaint(
    store: DeskReader, table: str, read: Callable[[Path, Mapping[str, Any]], Logged]
) -> dict[str, list[Logged]]:
    """Every record of the logs `table`, grouped by complaint, oldest first (one pass for an export)."""
    grouped: dict[str, list[Logged]] = {}
    for number in store.layout.shard_numbers():
        path = store.layout.log(table, number)
        for document in store.log(table, number).all():
            found = read(path, document)
            grouped.setdefault(found.complaint_id, []).append(found)
    for records in grouped.values():
        records.sort(key=lambda found: found.at)
    return grouped


def replies_of(store: DeskReader, complaint_id: str) -> list[Reply]:
    """The complaint's replies, oldest first."""
    return logged_of(store, TABLE, read_reply, complaint_id)


def replies_by_complaint(store: DeskReader) -> dict[str, list[Reply]]:
    """Every reply, grouped by complaint, oldest first (one pass for an export)."""
    return logged_by_complaint(store, TABLE, read_reply)
