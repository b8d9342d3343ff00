"""The only module that talks to TinyDB: a desk in one data directory, safe against crashes and neighbours.

Every change is one transaction: take the directory's lock, read the file once, apply the change in memory,
write it back atomically (temporary file, fsync, os.replace, fsync of the directory). A reader therefore sees
either the old file or the new one, and two agents never overwrite each other's work.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from filelock import FileLock, Timeout
from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Document, Table

from console.store.atomic import write_atomically
from console.store.records import (
    CHANNELS,
    FIELDS_WITH_HISTORY,
    PRIORITIES,
    STATUSES,
    Change,
    Complaint,
    ImportResult,
    Note,
    Tick,
    next_in_cycle,
    utc_now,
)

T = TypeVar("T")
TEXT_FIELDS = ("id", "customer_name", "customer_email", "customer_phone", "language", "subject", "body", "kind")
CUSTOMER_FIELDS = (
    "received", "customer_name", "customer_email", "customer_phone", "channel", "language", "subject", "body",
)  # fmt: skip
"""What the customer sent: an import that brings other values for a known id is reported, never applied."""
SCHEMA_VERSION = 1
DESK_FILE = "desk.json"
LOCK_FILE = ".desk.lock"
LOCK_TIMEOUT_SECONDS = 10.0


class StoreError(Exception):
    """A problem with the data directory that the user can act on. Each kind carries its facts; the words
    for people are made where they are shown (`labels.store_error`), in the reader's language."""


class StoreCorrupt(StoreError):
    """A data file cannot be read as the desk's JSON; it is left exactly as it was."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path} is damaged ({problem}); it was left untouched")
        self.path = path
        self.problem = problem


class StoreLocked(StoreError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is locked by another agent-console for too long; try again")
        self.path = path


class StoreUnavailable(StoreError):
    """The operating system refused: disk full, no permission, read-only file system, a folder in the way."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path} cannot be used: {problem}")
        self.path = path
        self.problem = problem


class StoreTooNew(StoreError):
    def __init__(self, path: Path, version: object) -> None:
        super().__init__(f"{path} has schema version {version}; this agent-console reads {SCHEMA_VERSION}")
        self.path = path
        self.version = version


class UnknownComplaint(StoreError, KeyError):
    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"no complaint with id {complaint_id!r}")
        self.complaint_id = complaint_id

    def __str__(self) -> str:
        return str(self.args[0])


def _load(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The desk file's bytes and its tables, checked to have TinyDB's shape; nothing is ever repaired."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return b"", {}
    except OSError as error:
        raise StoreUnavailable(path, error.strerror or str(error)) from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StoreCorrupt(path, f"not valid JSON: {error}") from None
    if not isinstance(data, dict) or not all(
        isinstance(table, dict)
        and all(
            isinstance(key, str) and key.isdigit() and isinstance(document, dict) for key, document in table.items()
        )
        for table in data.values()
    ):
        raise StoreCorrupt(path, "not a TinyDB document")
    return raw, data


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return moment


def _complaint_document(complaint: Complaint) -> dict[str, Any]:
    document = {field.name: getattr(complaint, field.name) for field in fields(complaint)}
    document["received"] = complaint.received.isoformat()
    document["ticks"] = {
        key: {"playbook": tick.playbook, "step": tick.step, "by": tick.by, "at": tick.at.isoformat()}
        for key, tick in complaint.ticks.items()
    }
    return document


def _complaint(document: dict[str, Any]) -> Complaint:
    values = dict(document)
    values.pop("doc_id", None)
    for field, allowed in (("status", STATUSES), ("priority", PRIORITIES), ("channel", CHANNELS)):
        if values.get(field) not in allowed:
            raise ValueError(f"{field} {values.get(field)!r} is not one of {', '.join(allowed)}")
    for field in TEXT_FIELDS:
        if not isinstance(values.get(field, ""), str):
            raise ValueError(f"{field} is not text")
    values["received"] = _time(values["received"])
    values["ticks"] = MappingProxyType(
        {
            key: Tick(tick["playbook"], tick["step"], tick["by"], _time(tick["at"]))
            for key, tick in values.get("ticks", {}).items()
        }
    )
    return Complaint(**values)


def _note_document(note: Note) -> dict[str, Any]:
    return {"complaint_id": note.complaint_id, "author": note.author, "at": note.at.isoformat(), "text": note.text}


def _change(d: dict[str, Any]) -> Change:
    return Change(d["complaint_id"], d["field"], d["old"], d["new"], d["by"], _time(d["at"]))


def _note(document: dict[str, Any]) -> Note:
    return Note(document["complaint_id"], document["author"], _time(document["at"]), document["text"])


class _Desk:
    """The tables of one open transaction."""

    def __init__(self, db: TinyDB, path: Path) -> None:
        self.path = path
        self.complaints: Table = db.table("complaints", cache_size=0)
        self.notes: Table = db.table("notes", cache_size=0)
        self.history: Table = db.table("history", cache_size=0)
        self.meta: Table = db.table("meta", cache_size=0)

    def record(self, convert: Callable[[dict[str, Any]], T], document: dict[str, Any]) -> T:
        """A record from its stored document; a document that does not fit is damage, named as such."""
        try:
            return convert(document)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            where = getattr(document, "doc_id", "?")
            raise StoreCorrupt(self.path, f"document {where} is malformed ({error!r})") from None

    def find(self, complaint_id: str) -> Document:
        document = self.complaints.get(Query().id == complaint_id)
        if not isinstance(document, Document):
            raise UnknownComplaint(complaint_id)
        return document


class Store:
    """The desk's data in one directory. Every method is a whole transaction, safe to call from several
    processes at once; records returned are snapshots."""

    def __init__(self, directory: Path, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnavailable(self.directory, error.strerror or str(error)) from None
        self.path = self.directory / DESK_FILE
        self._lock = FileLock(self.directory / LOCK_FILE, timeout=lock_timeout)
        self.last_written: tuple[int, int] | None = None
        """The file's stamp after this Store's own last write: what others did shows as a different one."""
        self._check_schema()

    def _check_schema(self) -> None:
        with self._read() as desk:
            rows = desk.meta.all()
        version = rows[0].get("schema") if rows else None
        if version is not None and version != SCHEMA_VERSION:
            raise StoreTooNew(self.path, version)

    @contextmanager
    def _read(self) -> Iterator[_Desk]:
        """A look-up: the file is read once, into memory; readers never wait for the lock."""
        _raw, data = _load(self.path)
        db = TinyDB(storage=MemoryStorage)
        db.storage.write(data)
        yield _Desk(db, self.path)

    @contextmanager
    def _write(self) -> Iterator[_Desk]:
        """A change: under the lock, read the file into memory, change it there, and if the body finishes
        without an exception write it back once, atomically."""
        try:
            self._lock.acquire()
        except Timeout:
            raise StoreLocked(self.path) from None
        except OSError as error:
            raise StoreUnavailable(self.directory / LOCK_FILE, error.strerror or str(error)) from None
        try:
            # Holding the lock, no write is under way: a temporary file left now is from a killed writer.
            for orphan in self.directory.glob(f".{DESK_FILE}.*.tmp"):
                orphan.unlink(missing_ok=True)
            raw, data = _load(self.path)
            db = TinyDB(storage=MemoryStorage)
            db.storage.write(data)
            desk = _Desk(db, self.path)
            if not desk.meta.all():
                desk.meta.insert({"schema": SCHEMA_VERSION})
            yield desk
            payload = _dump(db.storage.read() or {})
            if payload != raw:
                write_atomically(self.path, payload)
                self.last_written = self.stamp()
        except OSError as error:
            raise StoreUnavailable(self.path, error.strerror or str(error)) from None
        finally:
            self._lock.release()

    # Reading

    def stamp(self) -> tuple[int, int] | None:
        """Changes whenever anyone writes the desk: cheap enough to poll for other agents' work."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        return status.st_mtime_ns, status.st_ino

    def complaints(self) -> list[Complaint]:
        """Every complaint, newest first."""
        with self._read() as desk:
            complaints = [desk.record(_complaint, document) for document in desk.complaints.all()]
        complaints.sort(key=lambda complaint: complaint.received, reverse=True)
        return complaints

    def complaint(self, complaint_id: str) -> Complaint:
        with self._read() as desk:
            return desk.record(_complaint, desk.find(complaint_id))

    def notes(self, complaint_id: str) -> list[Note]:
        """The complaint's notes, oldest first."""
        with self._read() as desk:
            desk.find(complaint_id)
            notes = [desk.record(_note, d) for d in desk.notes.search(Query().complaint_id == complaint_id)]
        return sorted(notes, key=lambda note: note.at)

    def notes_by_complaint(self) -> dict[str, list[Note]]:
        """Every note, grouped by complaint, oldest first (one read for an export)."""
        with self._read() as desk:
            notes = [desk.record(_note, document) for document in desk.notes.all()]
        grouped: dict[str, list[Note]] = {}
        for note in sorted(notes, key=lambda note: note.at):
            grouped.setdefault(note.complaint_id, []).append(note)
        return grouped

    def history(self, complaint_id: str) -> list[Change]:
        with self._read() as desk:
            changes = [desk.record(_change, d) for d in desk.history.search(Query().complaint_id == complaint_id)]
        return sorted(changes, key=lambda change: change.at)

    # Writing

    def add_complaints(self, complaints: Iterable[Complaint], notes: Iterable[Note] = ()) -> ImportResult:
        """Add complaints whose id is new (with their notes) in one transaction; known ids are skipped."""
        with self._write() as desk:
            known = {document.get("id"): document for document in desk.complaints.all()}
            fresh: dict[str, Complaint] = {}
            present = 0
            differing: list[str] = []
            for complaint in complaints:
                if complaint.id in known:
                    present += 1
                    stored = known[complaint.id]
                    incoming = _complaint_document(complaint)
                    if any(stored.get(field) != incoming[field] for field in CUSTOMER_FIELDS):
                        differing.append(complaint.id)
                else:
                    fresh.setdefault(complaint.id, complaint)
            desk.complaints.insert_multiple(_complaint_document(complaint) for complaint in fresh.values())
            desk.notes.insert_multiple(_note_document(note) for note in notes if note.complaint_id in fresh)
            return ImportResult(added=len(fresh), already_present=present, differing=tuple(differing))

    def add_note(self, complaint_id: str, author: str, text: str) -> Note:
        note = Note(complaint_id, author, utc_now(), text)
        with self._write() as desk:
            desk.find(complaint_id)
            desk.notes.insert(_note_document(note))
        return note

    def set_step(self, complaint_id: str, playbook: str, step: str, done: bool, by: str) -> Complaint:
        """Tick (or untick) one step of a playbook; records who and when, and keeps it as history."""
        key = Complaint.tick_key(playbook, step)
        now = utc_now()
        with self._write() as desk:
            document = desk.find(complaint_id)
            ticks = dict(document.get("ticks", {}))
            if done == (key in ticks):
                return desk.record(_complaint, document)
            if done:
                ticks[key] = {"playbook": playbook, "step": step, "by": by, "at": now.isoformat()}
            else:
                del ticks[key]
            desk.complaints.update({"ticks": ticks}, doc_ids=[document.doc_id])
            self._record(desk, Change(complaint_id, "step", None if done else key, key if done else None, by, now))
            return desk.record(_complaint, {**document, "ticks": ticks})

    def set_field(self, complaint_id: str, field: str, value: str | None, by: str) -> Complaint:
        """Change status, priority, assignee or playbook, recording the change as history."""
        return self._set_field(complaint_id, field, lambda _old: value, by)

    def cycle_field(self, complaint_id: str, field: str, values: tuple[str, ...], by: str) -> Complaint:
        """Move status or priority to the value after the stored one. The next value is worked out inside
        the transaction, so two agents pressing `s` at once move it two steps, not one."""
        return self._set_field(complaint_id, field, lambda old: next_in_cycle(values, str(old)), by)

    def _set_field(
        self, complaint_id: str, field: str, new_value: Callable[[object], str | None], by: str
    ) -> Complaint:
        if field not in FIELDS_WITH_HISTORY:
            raise ValueError(f"{field} cannot be changed")
        with self._write() as desk:
            document = desk.find(complaint_id)
            old = document.get(field)
            value = new_value(old)
            if old == value:
                return desk.record(_complaint, document)
            desk.complaints.update({field: value}, doc_ids=[document.doc_id])
            self._record(desk, Change(complaint_id, field, old, value, by, utc_now()))
            return desk.record(_complaint, {**document, field: value})

    @staticmethod
    def _record(desk: _Desk, change: Change) -> None:
        document = asdict(change)
        document["at"] = change.at.isoformat()
        desk.history.insert(document)
