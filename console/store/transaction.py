"""One change to a desk: the files it touches, read and changed in memory, then written back in a safe
order, all or nothing (see `Transaction.flush`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import Query, TinyDB
from tinydb.table import Document, Table

from console.store.atomic import fsync_directories, remove_orphans
from console.store.documents import checked_summary, record, recorded_length
from console.store.errors import StoreCorrupt, StoreError, UnknownComplaint
from console.store.files import AppendOnlyStorage, AtomicJSONStorage, truncate_log
from console.store.layout import HISTORY_LENGTH, SCHEMA_VERSION

if TYPE_CHECKING:
    from console.store.tinystore import Store


WRITE_ORDER = {"messages": 0, "shards": 1, "routes": 2}
"""Folders whose files a transaction replaces first (see `Transaction.flush`); the others after, the meta last."""


def _write_order(path: Path) -> tuple[int, str, str]:
    """Where a file comes in a transaction's writes: a folder's files together, so its fsync comes once."""
    return WRITE_ORDER.get(path.parent.name, len(WRITE_ORDER)), path.parent.name, path.name


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
                record(path, checked_summary, document)
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
        files: dict[Path, bytes] = {}
        for path in sorted(self._files, key=_write_order):
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
        touched = {path.parent for path in (*files, *logs)} | ({self.store.directory} if undo else set())
        for folder in touched - self._cleaned:
            remove_orphans(folder)  # under the lock no write is under way: these are a killed one's
            self._cleaned.add(folder)
        if undo is not None:
            undo.begin({path: self._storage(path).raw for path in files}, starts)
        self.wrote = True
        # Each file's bytes are fsynced before it is renamed into place (whole, old or new, at any crash);
        # a rename, or a log's creation, is durable once its folder is fsynced. That is done once per
        # folder, after its last file, before the first write into the next folder: the order that
        # matters is between folders (logs before the shard that counts their lines, messages before the
        # shards that hold their complaints, then routes and the Message-ID index, the meta file last, and
        # all of it before the journal's removal), and it is kept. Within one folder a power cut may keep
        # any of its new files, not just the first ones: with the journal every one is put back; an
        # import (journal=False) is completed from the shards, whichever of them made it (see
        # `Store._finish_interrupted_import`); a change of one unit writes one file per folder.
        folders: set[Path] = set()  # written into, not fsynced yet
        try:
            for path in logs:
                self._logs[path].flush(starts[path], folders)
            fsync_directories(folders)
            meta = files.pop(self.layout.meta, None)
            for path, payload in files.items():
                if folders and path.parent not in folders:
                    fsync_directories(folders)
                self._storage(path).flush(payload, folders)
                if path.parent.name == "shards":
                    self.store._write_inbox_file(path, self._storage(path).read(), folders)
            fsync_directories(folders)
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
