"""The documents a desk stores, and the records read from them: each stored document checked as it is
read, a document that does not fit named as damage (StoreCorrupt) with its file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from console.store.errors import StoreCorrupt
from console.store.files import parse_tables
from console.store.layout import CUSTOMER_FIELDS, HISTORY_LENGTH, MESSAGE_FIELDS, STATE_FIELDS, TEXT_FIELDS
from console.store.records import CHANNELS, PRIORITIES, STATUSES, Attachment, Change, Complaint, Note, Tick

DIGEST_LENGTH = 64
"""A SHA-256 digest in hex: what names a kept attachment."""


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return moment


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def state_document(complaint: Complaint) -> dict[str, Any]:
    document = {name: getattr(complaint, name) for name in (*STATE_FIELDS, "assignee", "playbook")}
    document["received"] = utc_text(complaint.received)
    if complaint.first_response_at is not None:
        document["first_response_at"] = utc_text(complaint.first_response_at)
    if complaint.clock_from is not None:
        document["clock_from"] = utc_text(complaint.clock_from)
    document["ticks"] = {
        key: {"playbook": tick.playbook, "step": tick.step, "by": tick.by, "at": utc_text(tick.at)}
        for key, tick in complaint.ticks.items()
    }
    return document


def message_document(complaint: Complaint) -> dict[str, Any]:
    """What the customer wrote; a mail's Message-ID and attachments only when it has them (most have not)."""
    document = {"id": complaint.id, **{name: getattr(complaint, name) for name in MESSAGE_FIELDS}}
    if complaint.message_id:
        document["message_id"] = complaint.message_id
    if complaint.attachments:
        document["attachments"] = attachments_document(complaint.attachments)
    return document


def attachments_document(attachments: tuple[Attachment, ...]) -> list[dict[str, Any]]:
    return [attachment._asdict() for attachment in attachments]


def attachments_record(value: object) -> tuple[Attachment, ...]:
    """Stored attachments, checked: a digest that is not 64 hex digits could name any file."""
    if not isinstance(value, list | tuple):
        raise ValueError("attachments is not a list")
    found = []
    for item in value:
        if not isinstance(item, dict):
            raise ValueError("an attachment is not a table")
        name, content_type, size, digest = (item.get(key) for key in Attachment._fields)
        if not (isinstance(name, str) and isinstance(content_type, str) and isinstance(digest, str)):
            raise ValueError("an attachment's name, type and digest are not text")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError("an attachment's size is not a number")
        if len(digest) != DIGEST_LENGTH or digest.strip("0123456789abcdef"):
            raise ValueError(f"{digest!r} is not a SHA-256 digest")
        found.append(Attachment(name, content_type, size, digest))
    return tuple(found)


def checked_state(document: dict[str, Any]) -> dict[str, Any]:
    for name, allowed in (("status", STATUSES), ("priority", PRIORITIES), ("channel", CHANNELS)):
        if document.get(name) not in allowed:
            raise ValueError(f"{name} {document.get(name)!r} is not one of {', '.join(allowed)}")
    for name in TEXT_FIELDS:
        if not isinstance(document.get(name), str):
            raise ValueError(f"{name} is not text")
    if not isinstance(document.get("ticks"), dict):
        raise ValueError("ticks is not a table")
    return document


def complaint_record(document: dict[str, Any], message: dict[str, Any] | None) -> Complaint:
    values = {name: document[name] for name in (*STATE_FIELDS, "assignee", "playbook")}
    values["received"] = parse_time(values["received"])
    first = document.get("first_response_at")
    values["first_response_at"] = None if first is None else parse_time(first)
    clock = document.get("clock_from")
    values["clock_from"] = None if clock is None else parse_time(clock)
    values["ticks"] = MappingProxyType(
        {
            key: Tick(tick["playbook"], tick["step"], tick["by"], parse_time(tick["at"]))
            for key, tick in checked_state(document)["ticks"].items()
        }
    )
    for name in MESSAGE_FIELDS:
        value = (message or {}).get(name, "")
        if not isinstance(value, str):
            raise ValueError(f"{name} is not text")
        values[name] = value
    message_id = (message or {}).get("message_id", "")
    if not isinstance(message_id, str):
        raise ValueError("message_id is not text")
    values["message_id"] = message_id
    values["attachments"] = attachments_record((message or {}).get("attachments", []))
    return Complaint(**values)


def checked_summary(document: dict[str, Any]) -> dict[str, Any]:
    """A state document fit for the inbox, or an error saying what is wrong with it."""
    checked_state(document)
    parse_time(document["received"])
    for name in ("first_response_at", "clock_from"):
        if document.get(name) is not None:
            parse_time(document[name])
    for name in ("assignee", "playbook"):
        if not isinstance(document.get(name), str | None):
            raise ValueError(f"{name} is not text")
    return document


def parse_routes(path: Path, raw: bytes) -> dict[str, int]:
    """Which shard holds each id; rows that are not (text, number) are left for `check` to name."""
    rows = parse_tables(path, raw).get("routes", {}).values()
    return {
        row["id"]: row["shard"] for row in rows if isinstance(row.get("id"), str) and isinstance(row.get("shard"), int)
    }


def note_document(note: Note) -> dict[str, Any]:
    return {
        "id": note.id, "complaint_id": note.complaint_id, "author": note.author, "at": note.at.isoformat(),
        "text": note.text,
    }  # fmt: skip


def note_record(document: Mapping[str, Any]) -> Note:
    if not all(isinstance(document.get(name), str) for name in ("complaint_id", "author", "text")):
        raise ValueError("a note needs complaint_id, author and text")
    if not isinstance(document.get("id", ""), str):
        raise ValueError("a note's id is not text")
    return Note(
        document["complaint_id"],
        document["author"],
        parse_time(document["at"]),
        document["text"],
        document.get("id", ""),
    )


def change_record(document: Mapping[str, Any]) -> Change:
    return Change(
        document["complaint_id"], document["field"], document["old"], document["new"], document["by"],
        parse_time(document["at"]),
    )  # fmt: skip


def change_document(change: Change) -> dict[str, Any]:
    return {**change._asdict(), "at": change.at.isoformat()}


def differs(document: dict[str, Any] | None, complaint: Complaint) -> bool:
    """Whether what the customer sent (CUSTOMER_FIELDS) is stored otherwise than `complaint` has it."""
    if document is None:
        return True
    try:
        if parse_time(document["received"]) != complaint.received:
            return True
    except (KeyError, TypeError, ValueError):
        return True
    return any(document.get(name) != getattr(complaint, name) for name in CUSTOMER_FIELDS if name != "received")


def recorded_length(tables: Mapping[str, Any]) -> int | None:
    """How long a shard records its history log to be (None: the whole log counts, as after a migration)."""
    rows = list(tables.get(HISTORY_LENGTH, {}).values())
    length = rows[0].get("history") if rows and isinstance(rows[0], dict) else None
    return length if isinstance(length, int) and length >= 0 else None


def record(path: Path, convert: Callable[..., Any], *documents: Any) -> Any:
    """A record from stored documents; documents that do not fit are damage, named as such."""
    try:
        return convert(*documents)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise StoreCorrupt(path, f"a record is malformed ({error!r})") from None


def read_complaint(path: Path, document: Mapping[str, Any], message: Mapping[str, Any] | None) -> Complaint:
    """A complaint from its stored state and message documents (StoreCorrupt names `path` if they do not fit)."""
    return record(path, complaint_record, document, message)  # type: ignore[no-any-return]


def read_note(path: Path, document: Mapping[str, Any]) -> Note:
    return record(path, note_record, document)  # type: ignore[no-any-return]


def read_change(path: Path, document: Mapping[str, Any]) -> Change:
    return record(path, change_record, document)  # type: ignore[no-any-return]
