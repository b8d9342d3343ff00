"""The only module that works with TinyDB tables: a desk in one data directory, made to scale and to be
shared.

Layout (schema 4), every TinyDB file written whole and atomically, every log append-only:

    store.json               meta: schema version, complaints placed so far, an import under way
    shards/NNNNN.json        up to 256 complaints: status, priority, assignee, playbook, ticks
    shards/NNNNN.inbox.json  the same shard as the inbox needs it, derived, stamped with the shard it
                             was made from (a stale one is rebuilt from the shard, never trusted)
    messages/NNNNN.json      what the customers wrote (body, e-mail, phone): written once, at import
    notes/NNNNN.jsonl        the shard's notes, a TinyDB table on an AppendOnlyStorage
    history/NNNNN.jsonl      the shard's history (every change: old, new, who, when), likewise
    replies/NNNNN.jsonl      the shard's replies to customers, likewise (see `replies`)
    drafts/AGENT.json        each agent's unsaved replies and notes (see `drafts`; not the desk's data)
    routes/XX.json           which shard holds a complaint id, by a hash of the id
    journal                  while a change of several files is written: what they held (see `journal`)
    presence/                who has which complaint open (see `presence`)

A change touches one shard and appends to its logs, so its cost grows neither with the desk nor with the
history. Every change is one transaction under the directory's lock; readers never take the lock, and
see each file either old or new, whole.
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from tinydb import Query, TinyDB
from tinydb.table import Document, Table

from console.collector import paused
from console.store import replies as reply_log
from console.store.atomic import (
    UnsafeFile,
    file_mode,
    make_data_dir,
    make_folder,
    open_regular,
    remove_orphans,
    write_atomically,
)
from console.store.drafts import Drafts
from console.store.errors import StoreCorrupt, StoreError, StoreOpenToAll, StoreTooNew, UnknownComplaint
from console.store.files import (
    AppendOnlyStorage,
    AtomicJSONStorage,
    dump_json,
    parse_json,
    parse_tables,
    read_bytes,
    truncate_log,
    unavailable,
)
from console.store.index import InboxIndex, encode_shard, well_formed
from console.store.journal import Journal
from console.store.lock import POLL_SECONDS, DeskLock
from console.store.records import (
    CHANNELS,
    FIELDS_WITH_HISTORY,
    PRIORITIES,
    STATUSES,
    Change,
    Complaint,
    Draft,
    ImportResult,
    Note,
    Reply,
    Tick,
    new_note_id,
    next_in_cycle,
    utc_now,
)

__all__ = ["DATA_FOLDERS", "LOG_TABLES", "SCHEMA_VERSION", "Layout", "Store", "Transaction"]

SCHEMA_VERSION = 4
SHARD_SIZE = 256
ROUTE_BUCKETS = 64
META_FILE = "store.json"
LOCK_FILE = ".desk.lock"
CHANGES_FILE = ".changes"
CHANGES_LIMIT = 1 << 20
V1_FILE = "desk.json"
LOCK_TIMEOUT_SECONDS = 10.0
IMPORT_BATCH = 1024
"""Complaints stored per transaction by an import: well under a second of the lock (four shards, their
messages and inbox files, the routes)."""
LOG_TABLES = ("notes", "history", "replies")
"""The append-only tables, one log per shard in a folder of the table's name: a third is one more name."""
DATA_FOLDERS = ("shards", "messages", "routes", *LOG_TABLES)
HISTORY_LENGTH = "lengths"
"""The shard's table that records how long its history log is (see `Transaction.flush`)."""
STATE_FIELDS = ("id", "received", "customer_name", "channel", "language", "subject", "kind", "priority", "status")
MESSAGE_FIELDS = ("body", "customer_email", "customer_phone")
CUSTOMER_FIELDS = ("received", "customer_name", "channel", "language", "subject")
"""What the customer sent: an import that brings other values for a known id is reported, never applied."""
TEXT_FIELDS = ("id", "customer_name", "language", "subject", "kind")

FileKey = tuple[int, int, int]
T = TypeVar("T")


def _key(status: os.stat_result) -> FileKey:
    return status.st_mtime_ns, status.st_size, status.st_ino


def _file_key(path: Path) -> FileKey | None:
    try:
        return _key(path.stat())
    except FileNotFoundError:
        return None
    except OSError as error:
        raise unavailable(path, error) from None


def bucket_of(complaint_id: str) -> int:
    return zlib.crc32(complaint_id.encode("utf-8")) % ROUTE_BUCKETS


def _time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return moment


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _state_document(complaint: Complaint) -> dict[str, Any]:
    document = {name: getattr(complaint, name) for name in (*STATE_FIELDS, "assignee", "playbook")}
    document["received"] = _utc_text(complaint.received)
    if complaint.first_response_at is not None:
        document["first_response_at"] = _utc_text(complaint.first_response_at)
    document["ticks"] = {
        key: {"playbook": tick.playbook, "step": tick.step, "by": tick.by, "at": _utc_text(tick.at)}
        for key, tick in complaint.ticks.items()
    }
    return document


def _message_document(complaint: Complaint) -> dict[str, Any]:
    return {"id": complaint.id, **{name: getattr(complaint, name) for name in MESSAGE_FIELDS}}


def _checked_state(document: dict[str, Any]) -> dict[str, Any]:
    for name, allowed in (("status", STATUSES), ("priority", PRIORITIES), ("channel", CHANNELS)):
        if document.get(name) not in allowed:
            raise ValueError(f"{name} {document.get(name)!r} is not one of {', '.join(allowed)}")
    for name in TEXT_FIELDS:
        if not isinstance(document.get(name), str):
            raise ValueError(f"{name} is not text")
    if not isinstance(document.get("ticks"), dict):
        raise ValueError("ticks is not a table")
    return document


def _complaint(document: dict[str, Any], message: dict[str, Any] | None) -> Complaint:
    values = {name: document[name] for name in (*STATE_FIELDS, "assignee", "playbook")}
    values["received"] = _time(values["received"])
    first = document.get("first_response_at")
    values["first_response_at"] = None if first is None else _time(first)
    values["ticks"] = MappingProxyType(
        {
            key: Tick(tick["playbook"], tick["step"], tick["by"], _time(tick["at"]))
            for key, tick in _checked_state(document)["ticks"].items()
        }
    )
    for name in MESSAGE_FIELDS:
        value = (message or {}).get(name, "")
        if not isinstance(value, str):
            raise ValueError(f"{name} is not text")
        values[name] = value
    return Complaint(**values)


def _checked_summary(document: dict[str, Any]) -> dict[str, Any]:
    """A state document fit for the inbox, or an error saying what is wrong with it."""
    _checked_state(document)
    _time(document["received"])
    if document.get("first_response_at") is not None:
        _time(document["first_response_at"])
    for name in ("assignee", "playbook"):
        if not isinstance(document.get(name), str | None):
            raise ValueError(f"{name} is not text")
    return document


def _parse_routes(path: Path, raw: bytes) -> dict[str, int]:
    """Which shard holds each id; rows that are not (text, number) are left for `check` to name."""
    rows = parse_tables(path, raw).get("routes", {}).values()
    return {
        row["id"]: row["shard"] for row in rows if isinstance(row.get("id"), str) and isinstance(row.get("shard"), int)
    }


def _note_document(note: Note) -> dict[str, Any]:
    return {
        "id": note.id, "complaint_id": note.complaint_id, "author": note.author, "at": note.at.isoformat(),
        "text": note.text,
    }  # fmt: skip


def _note(document: Mapping[str, Any]) -> Note:
    if not all(isinstance(document.get(name), str) for name in ("complaint_id", "author", "text")):
        raise ValueError("a note needs complaint_id, author and text")
    if not isinstance(document.get("id", ""), str):
        raise ValueError("a note's id is not text")
    return Note(
        document["complaint_id"], document["author"], _time(document["at"]), document["text"], document.get("id", "")
    )


def _change(document: Mapping[str, Any]) -> Change:
    return Change(
        document["complaint_id"], document["field"], document["old"], document["new"], document["by"],
        _time(document["at"]),
    )  # fmt: skip


def _change_document(change: Change) -> dict[str, Any]:
    return {**change._asdict(), "at": change.at.isoformat()}


def _differs(document: dict[str, Any] | None, complaint: Complaint) -> bool:
    """Whether what the customer sent (CUSTOMER_FIELDS) is stored otherwise than `complaint` has it."""
    if document is None:
        return True
    try:
        if _time(document["received"]) != complaint.received:
            return True
    except (KeyError, TypeError, ValueError):
        return True
    return any(document.get(name) != getattr(complaint, name) for name in CUSTOMER_FIELDS if name != "received")


def _grouped_by_id(notes: Iterable[Note], wanted: set[str]) -> dict[str, list[Note]]:
    grouped: dict[str, list[Note]] = {}
    for note in notes:
        if note.complaint_id in wanted:
            grouped.setdefault(note.complaint_id, []).append(note)
    return grouped


def _grouped(items: Iterable[T], key: Callable[[T], int]) -> dict[int, list[T]]:
    groups: dict[int, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


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
    return record(path, _complaint, document, message)  # type: ignore[no-any-return]


def read_note(path: Path, document: Mapping[str, Any]) -> Note:
    return record(path, _note, document)  # type: ignore[no-any-return]


def read_change(path: Path, document: Mapping[str, Any]) -> Change:
    return record(path, _change, document)  # type: ignore[no-any-return]


class Layout:
    """Where each part of a desk lives."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def meta(self) -> Path:
        return self.directory / META_FILE

    def shard(self, number: int) -> Path:
        return self.directory / "shards" / f"{number:05d}.json"

    def inbox(self, number: int) -> Path:
        return self.directory / "shards" / f"{number:05d}.inbox.json"

    def messages(self, number: int) -> Path:
        return self.directory / "messages" / f"{number:05d}.json"

    def log(self, table: str, number: int) -> Path:
        """The log of one of LOG_TABLES for a shard."""
        return self.directory / table / f"{number:05d}.jsonl"

    def notes(self, number: int) -> Path:
        return self.log("notes", number)

    def history(self, number: int) -> Path:
        return self.log("history", number)

    def route(self, bucket: int) -> Path:
        return self.directory / "routes" / f"{bucket:02x}.json"

    def shard_numbers(self) -> list[int]:
        """The shards present on disk, in order."""
        return self.numbers("shards", ".json")

    def numbers(self, folder: str, suffix: str) -> list[int]:
        """The numbers of the files NNNNN`suffix` present in `folder`, in order."""
        try:
            names = os.listdir(self.directory / folder)
        except FileNotFoundError:
            return []
        except OSError as error:
            raise unavailable(self.directory / folder, error) from None
        numbers = []
        for name in names:
            stem, dot, rest = name.partition(".")
            if dot + rest == suffix and stem.isdigit():
                numbers.append(int(stem))
        return sorted(numbers)


class Transaction:
    """The files one change touches: TinyDB databases on AtomicJSONStorage and tables on AppendOnlyStorage
    (the logs), written back when the change is done in a safe order: logs, messages, shards (each
    followed by its inbox file), routes, meta; all or nothing (see `flush`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.layout = store.layout
        self._files: dict[Path, TinyDB] = {}
        self._logs: dict[Path, AppendOnlyStorage] = {}
        self._cleaned: set[Path] = set()
        self.wrote = False
        """Whether any file was written: a transaction that wrote none announces nothing."""

    def database(self, path: Path) -> TinyDB:
        if path not in self._files:
            self._files[path] = TinyDB(path, storage=AtomicJSONStorage, mode=self.store.mode)
            self._files[path].storage.read()  # damage shows now, before anything is changed
        return self._files[path]

    def table(self, path: Path, name: str) -> Table:
        return self.database(path).table(name, cache_size=0)

    def shard(self, number: int) -> Table:
        """A shard to change: every complaint in it is checked first, as writing it back would otherwise
        rewrite a damaged record."""
        path = self.layout.shard(number)
        fresh = path not in self._files
        table = self.table(path, "complaints")
        if fresh:
            for document in (self._files[path].storage.read() or {}).get("complaints", {}).values():
                record(path, _checked_summary, document)
        return table

    def log(self, name: str, number: int, appending: bool = True) -> Table:
        """The shard's log of one of LOG_TABLES. `appending` (the default): the log is not read, the table
        shows only what this transaction adds (see AppendOnlyStorage)."""
        path = self.layout.log(name, number)
        if path not in self._logs:
            self._logs[path] = AppendOnlyStorage(path, name, self.store.mode, appending=appending)
            self._logs[path].read()  # damage shows now
        return Table(self._logs[path], name, cache_size=0)

    def history(self, number: int) -> Table:
        return self.log("history", number)

    def notes(self, number: int) -> Table:
        """The shard's notes, read whole: a note is looked up by its id before it is added."""
        return self.log("notes", number, appending=False)

    def meta(self) -> dict[str, Any]:
        rows = self.table(self.layout.meta, "meta").all()
        return dict(rows[0]) if rows else {}

    def set_meta(self, **values: Any) -> None:
        table = self.table(self.layout.meta, "meta")
        if table.all():
            table.update(values)
        else:
            table.insert({"schema": SCHEMA_VERSION, "placed": 0, "importing": False, **values})
        self.flush(lambda path: path == self.layout.meta)

    def find(self, complaint_id: str) -> tuple[int, Table, Document]:
        number = self.store.shard_of(complaint_id)
        table = self.shard(number)
        document = table.get(Query().id == complaint_id)
        if document is None:
            raise UnknownComplaint(complaint_id)
        return number, table, document

    def flush(self, which: Callable[[Path], bool] = lambda _path: True, journal: bool = True) -> bool:
        """Write what changed among the files `which` accepts; True when anything was written.

        Logs are appended first, then the files replaced. A shard records how long its history log is
        (`HISTORY_LENGTH`), so a shard and its history are one unit: history lines beyond what the shard
        records belong to a change that never finished; readers leave them out and the next append cuts
        them off. A change of more than one unit (several shards, or a shard and a note) is all or
        nothing through the journal (imports and migrations, which are completed or started again after a
        crash, go without with `journal=False`)."""
        logs = [path for path, storage in self._logs.items() if which(path) and storage.pending]
        starts = {path: self._log_start(path) for path in logs}
        for path in logs:
            if path.parent.name == "history":
                length = {"history": starts[path] + len(self._logs[path].payload())}
                lengths = self.table(self.layout.shard(int(path.stem)), HISTORY_LENGTH)
                if lengths.all():
                    lengths.update(length)
                else:
                    lengths.insert(length)
        covered = {self.layout.shard(int(path.stem)) for path in logs if path.parent.name == "history"}
        order = {"messages": 0, "shards": 1, "routes": 2}
        files: dict[Path, bytes] = {}
        for path in sorted(self._files, key=lambda path: (order.get(path.parent.name, 4), path.name)):
            if which(path) or path in covered:
                payload = self._storage(path).payload()
                if payload is not None:
                    files[path] = payload
        if not files and not logs:
            return False
        units = len(files) + sum(
            1 for path in logs if path.parent.name != "history" or self.layout.shard(int(path.stem)) not in files
        )
        undo = self.store.journal if journal and units > 1 else None
        folders = {path.parent for path in (*files, *logs)} | ({self.store.directory} if undo else set())
        for folder in folders - self._cleaned:
            remove_orphans(folder)  # under the lock no write is under way: these are a killed one's
            self._cleaned.add(folder)
        if undo is not None:
            undo.begin({path: self._storage(path).raw for path in files}, starts)
        self.wrote = True
        try:
            for path in logs:
                self._logs[path].flush(starts[path])
            meta = files.pop(self.layout.meta, None)
            for path, payload in files.items():
                self._storage(path).flush(payload)
                if path.parent.name == "shards":
                    self.store._write_inbox_file(path, self._storage(path).read())
            if meta is not None:
                self._storage(self.layout.meta).flush(meta)
        except BaseException:
            try:
                if undo is not None:
                    self.store._roll_back(undo)
                else:  # a shard not written leaves its history's new lines uncounted: cut them now
                    for path in logs:
                        truncate_log(path, starts[path])
            except (StoreError, OSError):
                pass  # the journal stays (the next transaction or open rolls back), or the lines uncounted
            raise
        if undo is not None:
            undo.end()
        return True

    def _log_start(self, path: Path) -> int:
        """Where a log's new lines go: after its last complete line, and for a history log after what
        its shard records (lines beyond are an unfinished change's, never counted)."""
        committed = self._logs[path].committed_length()
        if path.parent.name != "history":
            return committed
        self.shard(int(path.stem))  # checked: it is written again with the new length
        recorded = recorded_length(self._storage(self.layout.shard(int(path.stem))).read())
        if recorded is None:
            return committed
        if recorded > committed:
            raise StoreCorrupt(path, f"it is shorter than its shard records ({committed} of {recorded} bytes)")
        return recorded

    def _storage(self, path: Path) -> AtomicJSONStorage:
        return self._files[path].storage  # type: ignore[return-value]


class Store:
    """The desk's data in one directory. Every method is a whole transaction, safe to call from several
    processes at once; records returned are snapshots."""

    def __init__(self, directory: Path, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        self.directory = Path(directory)
        try:
            make_data_dir(self.directory)
            open_to_all = self.directory.stat().st_mode & 0o002
        except OSError as error:
            raise unavailable(self.directory, error) from None
        if open_to_all:  # anyone on the machine could plant links in it
            raise StoreOpenToAll(self.directory)
        self.layout = Layout(self.directory)
        self.path = self.layout.meta
        self.mode = file_mode(self.directory)
        self.folder_mode = 0o2770 if self.mode & 0o060 else 0o700
        self.lock_timeout = lock_timeout
        self.journal = Journal(self.directory, self.mode, LOG_TABLES)
        self._lock = DeskLock(self.directory / LOCK_FILE, self.mode, lock_timeout)
        self._cache: dict[Path, tuple[FileKey, Any]] = {}
        self._logs: dict[Path, tuple[tuple[FileKey | None, int | None], AppendOnlyStorage]] = {}
        self._routes: dict[str, int] = {}
        self.last_written: object = None
        """The desk's stamp after this Store's own last write: what others did shows as a different one."""
        self._drafts = Drafts(self.directory, self.mode, self.folder_mode)
        self._open()

    # Opening, migrating

    def _open(self) -> None:
        meta = self._meta() or {}
        version = meta.get("schema", SCHEMA_VERSION)
        old = (not meta and (self.directory / V1_FILE).exists()) or version in (2, 3) or meta.get("migrating")
        if old and version in (2, 3, SCHEMA_VERSION):
            from console.store.migration import migrate

            migrate(self)
            version = (self._meta() or {}).get("schema", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise StoreTooNew(self.path, version, SCHEMA_VERSION)
        if self.journal.exists():  # a change whose writer died: put back what it had written
            with self.transaction():
                pass

    def _meta(self) -> dict[str, Any] | None:
        tables = self._parsed(self.layout.meta, parse_tables)
        if tables is None:
            return None
        rows = list(tables.get("meta", {}).values())
        return rows[0] if rows else None

    def _parsed(self, path: Path, parse: Callable[[Path, bytes], Any], cached: bool = True) -> Any:
        """The file parsed, or None when it does not exist. With `cached`, parsed again only when its
        stat changed: for bulk reads (the inbox) and files that only grow (routes, logs). A single
        complaint is always read afresh: two replacements within one clock tick can look alike."""
        if not cached:
            raw = read_bytes(path)
            return None if raw is None else parse(path, raw)
        key = _file_key(path)
        if key is None:
            self._cache.pop(path, None)
            return None
        hit = self._cache.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        raw = read_bytes(path)
        if raw is None:
            return None
        value = parse(path, raw)
        self._cache[path] = (key, value)
        return value

    # Transactions

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A change: under the lock, the files it needs are read, changed in memory and, if the body
        finishes without an exception, written back atomically."""
        with self.locked():
            try:
                for folder in DATA_FOLDERS:
                    make_folder(self.directory / folder, self.folder_mode)
                if self.journal.exists():
                    self._roll_back(self.journal)
                    self._announce_change()
                transaction = Transaction(self)
                if (self._meta() or {}).get("importing"):
                    self._finish_interrupted_import(transaction)
                yield transaction
                transaction.flush()
            except OSError as error:
                raise unavailable(getattr(error, "filename", None) or self.directory, error) from None
            if transaction.wrote:  # nothing written, nothing announced: others keep what they loaded
                self._announce_change()  # committed: nothing after this may report a failure

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The desk's lock alone: no writer is part way while it is held (what `check` needs to be sure)."""
        self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()

    def _roll_back(self, journal: Journal) -> None:
        """Put back the files of a change that did not finish (its inbox files are made again)."""
        for path in journal.roll_back():
            if path.parent.name == "shards":
                raw = read_bytes(path)
                if raw is not None:
                    self._write_inbox_file(path, parse_tables(path, raw))

    def _finish_interrupted_import(self, transaction: Transaction) -> None:
        """An import was killed part way (or failed: a full disk): complaints whose shard was written are
        in; give them routes. Messages written for complaints whose shard was not are dropped."""
        for folder in DATA_FOLDERS:
            remove_orphans(self.directory / folder)
        remove_orphans(self.directory)
        self._drop_orphan_messages(transaction)
        routes: dict[int, dict[str, int]] = {}
        for number in self.layout.shard_numbers():
            for document in transaction.shard(number).all():
                routes.setdefault(bucket_of(document["id"]), {})[document["id"]] = number
        for bucket, ids in routes.items():
            table = transaction.table(self.layout.route(bucket), "routes")
            known = {row["id"] for row in table.all()}
            table.insert_multiple({"id": cid, "shard": shard} for cid, shard in ids.items() if cid not in known)
        transaction.flush(lambda path: path.parent.name == "routes")
        transaction.set_meta(importing=False)

    def _drop_orphan_messages(self, transaction: Transaction) -> None:
        for number in self.layout.numbers("messages", ".json"):
            path = self.layout.messages(number)
            if _file_key(self.layout.shard(number)) is None:
                path.unlink(missing_ok=True)
                continue
            ids = {document.get("id") for document in transaction.shard(number).all()}
            table = transaction.table(path, "messages")
            orphans = [message.doc_id for message in table.all() if message.get("id") not in ids]
            if orphans:
                table.remove(doc_ids=orphans)

    # Finding complaints

    def _route_of(self, complaint_id: str) -> int | None:
        """The shard the routes give for `complaint_id`, or None."""
        number = self._routes.get(complaint_id)
        if number is not None:
            return number
        routes = self._parsed(self.layout.route(bucket_of(complaint_id)), _parse_routes) or {}
        number = routes.get(complaint_id)
        if isinstance(number, int) and not isinstance(number, bool):
            self._routes[complaint_id] = number
            return number
        return None

    def shard_of(self, complaint_id: str) -> int:
        number = self._route_of(complaint_id)
        if number is not None:
            return number
        if (self._meta() or {}).get("importing"):  # routes may lag behind shards: look in every shard
            for number in self.layout.shard_numbers():
                if any(document.get("id") == complaint_id for document in self._shard_documents(number)):
                    return number
        raise UnknownComplaint(complaint_id)

    def _shard_documents(self, number: int, cached: bool = False) -> list[dict[str, Any]]:
        tables = self._parsed(self.layout.shard(number), parse_tables, cached) or {}
        return list(tables.get("complaints", {}).values())

    def _state(self, complaint_id: str) -> tuple[int, dict[str, Any]]:
        number = self.shard_of(complaint_id)
        for document in self._shard_documents(number):
            if document.get("id") == complaint_id:
                return number, document
        raise UnknownComplaint(complaint_id)

    def _message(self, number: int, complaint_id: str) -> dict[str, Any] | None:
        tables = self._parsed(self.layout.messages(number), parse_tables, cached=False) or {}
        return next((m for m in tables.get("messages", {}).values() if m.get("id") == complaint_id), None)

    # Reading

    def stamp(self) -> object:
        """Changes whenever anyone writes the desk: one stat, cheap enough to poll every second."""
        return _file_key(self.directory / CHANGES_FILE)

    def _announce_change(self) -> None:
        """Every transaction adds a byte to the changes file, so pollers see it with one stat. It is a
        hint, not data: not fsynced, and emptied (atomically) once it is large."""
        path = self.directory / CHANGES_FILE
        try:
            key = _file_key(path)
            if key is not None and key[1] >= CHANGES_LIMIT:
                write_atomically(path, b"", self.mode, durable=False)
            try:
                descriptor = open_regular(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, self.mode)
            except UnsafeFile:  # a link or fifo planted in its place: replaced (a rename never follows it)
                write_atomically(path, b"", self.mode, durable=False)
                descriptor = open_regular(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, self.mode)
            try:
                if key is None:
                    os.fchmod(descriptor, self.mode)  # the umask would take a shared desk's group bit off
                os.write(descriptor, b".")
            finally:
                os.close(descriptor)
            self.last_written = self.stamp()
        except (OSError, StoreError):
            pass  # the change is committed; others see it at the next announced one (full disk, say)

    def complaint(self, complaint_id: str) -> Complaint:
        number, document = self._state(complaint_id)
        path = self.layout.shard(number)
        complaint: Complaint = record(path, _complaint, document, self._message(number, complaint_id))
        return complaint

    def complaints(self) -> list[Complaint]:
        """Every complaint with its message, newest first (for exports: the inbox uses `inbox`)."""
        complaints: list[Complaint] = []
        for number in self.layout.shard_numbers():
            tables = self._parsed(self.layout.messages(number), parse_tables) or {}
            messages = {m.get("id"): m for m in tables.get("messages", {}).values()}
            path = self.layout.shard(number)
            complaints.extend(
                record(path, _complaint, document, messages.get(document.get("id")))
                for document in self._shard_documents(number)
            )
        complaints.sort(key=lambda complaint: complaint.received, reverse=True)
        return complaints

    def inbox(self, progress: Callable[[int, int], None] = lambda _done, _total: None) -> InboxIndex:
        """What the inbox needs of every complaint, by column. A shard whose file is damaged is left out
        and named in `damaged`; the rest of the desk still shows. `progress` hears of each shard read."""
        index = InboxIndex()
        damaged: list[StoreCorrupt] = []
        with paused():  # many small objects and no cycles among them: the collector would only slow this down
            numbers = self.layout.shard_numbers()
            for done, number in enumerate(numbers, 1):
                progress(done, len(numbers))
                try:
                    index.add(self._inbox_shard(number))
                except StoreCorrupt as error:
                    damaged.append(error)
        index.damaged = tuple(damaged)
        index.seal()
        return index

    def _inbox_shard(self, number: int) -> dict[str, Any]:
        shard = self.layout.shard(number)
        source = _file_key(shard)
        if source is None:
            return encode_shard(())
        try:
            encoded = self._parsed(self.layout.inbox(number), parse_json)
        except StoreCorrupt:
            encoded = None  # derived data: the shard is the truth
        if isinstance(encoded, dict) and encoded.get("source") == list(source) and well_formed(encoded):
            return encoded
        # Missing, malformed or older than its shard (a writer was killed between the two): made again.
        documents = self._shard_documents(number, cached=True)
        return encode_shard(record(shard, _checked_summary, document) for document in documents)

    def _write_inbox_file(self, shard: Path, tables: dict[str, Any]) -> None:
        """After a shard is written: its inbox file, stamped with the shard file it was made from."""
        encoded = encode_shard(_checked_summary(document) for document in tables.get("complaints", {}).values())
        encoded["source"] = list(_file_key(shard) or ())
        inbox = shard.with_name(shard.name.replace(".json", ".inbox.json"))
        try:
            write_atomically(inbox, dump_json(encoded), self.mode)
        except OSError as error:
            raise unavailable(inbox, error) from None

    def renew_inbox_file(self, number: int) -> None:
        """Make shard `number`'s inbox file again from the shard (a migration's new columns)."""
        path = self.layout.shard(number)
        tables = self._parsed(path, parse_tables, cached=False)
        if tables is not None:
            self._write_inbox_file(path, tables)

    def log(self, name: str, number: int) -> Table:
        """A shard's log of one of LOG_TABLES as a TinyDB table to read and query: a history log as far as
        its shard records (see `Transaction.flush`). Parsed again only when the file or that length changed."""
        path = self.layout.log(name, number)
        limit = None
        if name == "history":
            limit = recorded_length(self._parsed(self.layout.shard(number), parse_tables, cached=False) or {})
        stamp = (_file_key(path), limit)
        hit = self._logs.get(path)
        if hit is None or hit[0] != stamp:
            raw = read_bytes(path) or b""
            hit = self._logs[path] = (stamp, AppendOnlyStorage(path, name, self.mode, raw=raw[:limit]))
        return Table(hit[1], name, cache_size=0)

    def messages_stamp(self, number: int) -> list[int] | None:
        """The stamp of shard `number`'s messages file (None when there is none): what a body file derived
        from it is checked against (console/store/bodies.py)."""
        key = _file_key(self.layout.messages(number))
        return None if key is None else list(key)

    def message_bodies(self, number: int) -> list[tuple[str, str]]:
        """(id, body) of every message of shard `number`, read afresh and not kept: 100k bodies would cost
        some 50 MB held in memory. A message without a text id or body is left out (`check` names it)."""
        tables = self._parsed(self.layout.messages(number), parse_tables, cached=False) or {}
        return [
            (message["id"], message["body"])
            for message in tables.get("messages", {}).values()
            if isinstance(message.get("id"), str) and isinstance(message.get("body"), str)
        ]

    def notes(self, complaint_id: str) -> list[Note]:
        """The complaint's notes, oldest first."""
        number = self.shard_of(complaint_id)
        path = self.layout.notes(number)
        documents = self.log("notes", number).search(Query().complaint_id == complaint_id)
        return sorted((read_note(path, document) for document in documents), key=lambda note: note.at)

    def notes_by_complaint(self) -> dict[str, list[Note]]:
        """Every note, grouped by complaint, oldest first (one pass for an export)."""
        grouped: dict[str, list[Note]] = {}
        for number in self.layout.shard_numbers():
            path = self.layout.notes(number)
            for document in self.log("notes", number).all():
                note = read_note(path, document)
                grouped.setdefault(note.complaint_id, []).append(note)
        for notes in grouped.values():
            notes.sort(key=lambda note: note.at)
        return grouped

    def history(self, complaint_id: str) -> list[Change]:
        """The complaint's changes, oldest first."""
        number = self.shard_of(complaint_id)
        path = self.layout.history(number)
        documents = self.log("history", number).search(Query().complaint_id == complaint_id)
        return sorted((read_change(path, document) for document in documents), key=lambda change: change.at)

    def replies(self, complaint_id: str) -> list[Reply]:
        """The complaint's replies, oldest first."""
        return reply_log.replies(self, complaint_id)

    def replies_by_complaint(self) -> dict[str, list[Reply]]:
        return reply_log.replies_by_complaint(self)

    def drafts(self, author: str) -> dict[tuple[str, str], Draft]:
        """The agent's unsaved replies and notes by (complaint id, kind). A damaged drafts file is moved
        aside and `DraftsSetAside` raised: called again, it gives the fresh, empty drafts."""
        return self._drafts.load(author)

    # Writing

    def add_reply(
        self, complaint_id: str, text: str, language: str, author: str, reply_id: str | None = None,
        at: datetime | None = None,
    ) -> Reply:  # fmt: skip
        """Store a reply (see `reply_log.add_reply`: a retry with its id stores nothing twice)."""
        return reply_log.add_reply(self, complaint_id, text, language, author, reply_id, at)

    def save_draft(
        self, complaint_id: str, kind: str, author: str, text: str, language: str, at: datetime | None = None
    ) -> None:
        """Keep the agent's draft (empty text forgets it). Not the desk's data: nothing is announced."""
        self._drafts.save(complaint_id, kind, author, text, language, at or utc_now())

    def add_complaints(self, complaints: Iterable[Complaint], notes: Iterable[Note] = ()) -> ImportResult:
        """Add complaints whose id is new (with their notes); known ids are skipped, and named when what
        the customer sent differs. Stored IMPORT_BATCH at a time, each batch its own transaction, so no
        other agent waits long for the lock; complaints fill shards SHARD_SIZE to a shard, in arrival
        order (an import of several batches: in arrival order within each route bucket). Known ids are
        found before the lock is taken (an id once stored stays), from the routes and shards as loaded,
        never by reading the desk again for each one."""
        unique: dict[str, Complaint] = {}
        for complaint in complaints:
            unique.setdefault(complaint.id, complaint)
        present: list[str] = []
        differing: list[str] = []
        fresh = self._sort_known(list(unique.values()), present, differing)
        if len(fresh) > IMPORT_BATCH:  # each batch then rewrites a few route files, not all 64 each time
            fresh.sort(key=lambda complaint: bucket_of(complaint.id))
        notes_of = _grouped_by_id(notes, set(complaint.id for complaint in fresh))
        added = 0
        for start in range(0, len(fresh), IMPORT_BATCH):
            if start:
                time.sleep(2 * POLL_SECONDS)  # a gap in which an agent waiting for the lock gets it
            with self.transaction() as transaction:  # another import may have stored some meanwhile
                batch = self._sort_known(fresh[start : start + IMPORT_BATCH], present, differing)
                if batch:
                    self._place(transaction, batch, [note for c in batch for note in notes_of.get(c.id, ())])
                added += len(batch)
        return ImportResult(added=added, already_present=len(present), differing=tuple(differing))

    def _sort_known(self, complaints: list[Complaint], present: list[str], differing: list[str]) -> list[Complaint]:
        """The complaints whose id is not stored yet; the others go to `present`, and to `differing` when
        what the customer sent is not what is stored. Routes only: a route missing while another import
        is part way means "not yet", which the transaction asks again under the lock."""
        routes: dict[int, dict[str, int]] = {}
        for bucket in {bucket_of(complaint.id) for complaint in complaints}:  # each routes file looked at once
            routes[bucket] = self._parsed(self.layout.route(bucket), _parse_routes) or {}
        shards: dict[int, dict[Any, dict[str, Any]]] = {}
        fresh = []
        for complaint in complaints:
            number = routes[bucket_of(complaint.id)].get(complaint.id)
            if not isinstance(number, int) or isinstance(number, bool):
                fresh.append(complaint)
                continue
            if number not in shards:
                shards[number] = {d.get("id"): d for d in self._shard_documents(number, cached=True)}
            present.append(complaint.id)
            if _differs(shards[number].get(complaint.id), complaint):
                differing.append(complaint.id)
        return fresh

    def _place(self, transaction: Transaction, complaints: list[Complaint], notes: list[Note]) -> None:
        placed = int(transaction.meta().get("placed", 0))
        transaction.set_meta(placed=placed + len(complaints), importing=True)
        shard_of = {complaint.id: (placed + offset) // SHARD_SIZE for offset, complaint in enumerate(complaints)}
        for number, group in _grouped(complaints, lambda complaint: shard_of[complaint.id]).items():
            transaction.table(self.layout.messages(number), "messages").insert_multiple(map(_message_document, group))
            transaction.shard(number).insert_multiple(map(_state_document, group))
        for bucket, group in _grouped(complaints, lambda complaint: bucket_of(complaint.id)).items():
            routes = transaction.table(self.layout.route(bucket), "routes")
            routes.insert_multiple({"id": complaint.id, "shard": shard_of[complaint.id]} for complaint in group)
        in_order = sorted(notes, key=lambda note: note.at)
        for number, shard_notes in _grouped(in_order, lambda note: shard_of[note.complaint_id]).items():
            transaction.log("notes", number).insert_multiple(
                _note_document(note._replace(id=note.id or new_note_id())) for note in shard_notes
            )
        transaction.flush(journal=False)  # an import killed part way is completed instead (`importing`)
        self._routes.update(shard_of)
        transaction.set_meta(importing=False)

    def add_history(self, changes: Iterable[Change]) -> None:
        """Add changes made elsewhere to their complaints' history (a migration brings the old desk's)."""
        with self.transaction() as transaction:
            for number, group in _grouped(changes, lambda change: self.shard_of(change.complaint_id)).items():
                in_order = sorted(group, key=lambda change: change.at)
                transaction.history(number).insert_multiple(map(_change_document, in_order))

    def add_note(self, complaint_id: str, author: str, text: str, note_id: str | None = None) -> Note:
        """Add a note. `note_id` (see `new_note_id`) is made by the caller before its first try: when a
        note with that id is stored already (an earlier try did get through), nothing is added and the
        stored note is returned, so a retry after an unclear failure never stores a note twice."""
        note = Note(complaint_id, author, utc_now(), text, note_id or new_note_id())
        with self.transaction() as transaction:
            number = self.shard_of(complaint_id)
            notes = transaction.notes(number)
            stored = notes.get(Query().id == note.id)
            if stored is not None:
                return read_note(self.layout.notes(number), stored)
            notes.insert(_note_document(note))
        return note

    def set_step(self, complaint_id: str, playbook: str, step: str, done: bool, by: str) -> Complaint:
        """Tick (or untick) one step of a playbook; records who and when, and keeps it as history."""
        key = Complaint.tick_key(playbook, step)
        now = utc_now()
        with self.transaction() as transaction:
            number, table, document = transaction.find(complaint_id)
            ticks = dict(document.get("ticks", {}))
            if done != (key in ticks):
                if done:
                    ticks[key] = {"playbook": playbook, "step": step, "by": by, "at": now.isoformat()}
                else:
                    del ticks[key]
                table.update({"ticks": ticks}, doc_ids=[document.doc_id])
                change = Change(complaint_id, "step", None if done else key, key if done else None, by, now)
                transaction.history(number).insert(_change_document(change))
        return self.complaint(complaint_id)

    def set_field(self, complaint_id: str, field: str, value: str | None, by: str) -> Complaint:
        """Change status, priority, assignee or playbook, recording the change as history."""
        return self._set_field(complaint_id, field, lambda _old: value, by)

    def cycle_field(self, complaint_id: str, field: str, values: tuple[str, ...], by: str) -> Complaint:
        """Move status or priority to the value after the stored one. The next value is worked out inside
        the transaction, so two agents pressing `s` at once move it two steps, not one."""
        return self._set_field(complaint_id, field, lambda old: next_in_cycle(values, str(old)), by)

    def set_many(self, field: str, values: Mapping[str, str | None], by: str) -> dict[str, str | None]:
        """Set `field` of many complaints (id → new value) in one transaction, a shard written once
        however many of its complaints change; each change is history. Returns the old value of every
        complaint that changed (what an undo needs)."""
        if field not in FIELDS_WITH_HISTORY:
            raise ValueError(f"{field} cannot be changed")
        now = utc_now()
        old: dict[str, str | None] = {}
        with self.transaction() as transaction:
            for number, ids in _grouped(values, self.shard_of).items():
                table = transaction.shard(number)
                wanted = set(ids)
                by_value: dict[str | None, list[int]] = {}
                changes = []
                for document in table.all():
                    complaint_id = document["id"]
                    if complaint_id in wanted and document.get(field) != values[complaint_id]:
                        old[complaint_id] = document.get(field)
                        by_value.setdefault(values[complaint_id], []).append(document.doc_id)
                        change = Change(complaint_id, field, old[complaint_id], values[complaint_id], by, now)
                        changes.append(_change_document(change))
                for value, doc_ids in by_value.items():
                    table.update({field: value}, doc_ids=doc_ids)
                transaction.history(number).insert_multiple(changes)
        return old

    def _set_field(
        self, complaint_id: str, field: str, new_value: Callable[[object], str | None], by: str
    ) -> Complaint:
        if field not in FIELDS_WITH_HISTORY:
            raise ValueError(f"{field} cannot be changed")
        with self.transaction() as transaction:
            number, table, document = transaction.find(complaint_id)
            old = document.get(field)
            value = new_value(old)
            if old != value:
                table.update({field: value}, doc_ids=[document.doc_id])
                change = Change(complaint_id, field, old, value, by, utc_now())
                transaction.history(number).insert(_change_document(change))
        return self.complaint(complaint_id)
