"""The two kinds of file a desk is made of: whole TinyDB JSON files replaced atomically, and append-only
logs of JSON lines. Both check what they read and report damage with the file's name; neither ever
repairs or rewrites a file it could not read."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from console.store.atomic import PRIVATE_FILE, UnsafeFile, fsync_directory, open_regular, read_regular, write_atomically
from console.store.errors import StoreCorrupt, StoreError, StoreUnavailable, StoreUnsafe

Tables = dict[str, dict[str, dict[str, Any]]]
TOO_DEEP = "nested too deeply"
"""json.loads raises RecursionError, not JSONDecodeError, on `[[[[…`: a desk's files are two levels deep."""


def unavailable(path: Path, error: OSError) -> StoreError:
    if isinstance(error, UnsafeFile):
        return StoreUnsafe(path)
    return StoreUnavailable(path, error.strerror or str(error))


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist. A link or special file is refused (StoreUnsafe)."""
    try:
        return read_regular(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise unavailable(path, error) from None


def parse_json(path: Path, raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StoreCorrupt(path, f"not valid JSON: {error}") from None
    except RecursionError:
        raise StoreCorrupt(path, f"not valid JSON: {TOO_DEEP}") from None


def parse_tables(path: Path, raw: bytes) -> Tables:
    """A TinyDB file's tables, checked to have TinyDB's shape."""
    data = parse_json(path, raw)
    if not isinstance(data, dict) or not all(
        isinstance(table, dict)
        and all(isinstance(key, str) and key.isdigit() and isinstance(doc, dict) for key, doc in table.items())
        for table in data.values()
    ):
        raise StoreCorrupt(path, "not a TinyDB document")
    return data


def dump_json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_log(path: Path, raw: bytes) -> tuple[list[dict[str, Any]], int]:
    """A log's complete entries, and the length of the unfinished one after them (0 when none)."""
    lines = raw.split(b"\n")
    tail = len(lines.pop())  # what follows the last newline: nothing, or an unfinished entry
    try:  # one C call for the whole log (a third of the time of a call per line); line by line to name damage
        together = json.loads(b"[" + b",".join(lines) + b"]")
        if len(together) == len(lines) and all(isinstance(entry, dict) for entry in together):
            return together, tail
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        pass
    entries = []
    for number, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            entry = None
        if not isinstance(entry, dict):
            raise StoreCorrupt(path, f"line {number} is not a JSON object")
        entries.append(entry)
    return entries, tail


class AtomicJSONStorage(Storage):
    """A TinyDB storage for one file, made for transactions: the file is read once, TinyDB's writes are
    kept in memory, and `flush` writes the result back whole and atomically, only if it changed. A file
    that is missing reads as empty; a damaged one raises StoreCorrupt and is never written."""

    def __init__(self, path: Path, mode: int = PRIVATE_FILE) -> None:
        self.path = path
        self.mode = mode
        self._raw: bytes | None = None
        self._data: Tables | None = None
        self._dirty = False

    def read(self) -> Tables:
        if self._data is None:
            self._raw = read_bytes(self.path)
            self._data = {} if self._raw is None else parse_tables(self.path, self._raw)
        return self._data

    def write(self, data: Tables) -> None:
        self._data = data
        self._dirty = True

    @property
    def raw(self) -> bytes | None:
        """The file's bytes as read (None: it did not exist)."""
        return self._raw

    def payload(self) -> bytes | None:
        """What `flush` would write: None when TinyDB left the file as it was."""
        if self._data is None or not self._dirty:
            return None
        try:
            payload = dump_json(self._data)
        except RecursionError:  # a value read back nested just within json.loads' reach
            raise StoreCorrupt(self.path, f"not valid JSON: {TOO_DEEP}") from None
        return None if payload == self._raw else payload

    def flush(self, payload: bytes | None = None, folders: set[Path] | None = None) -> bool:
        """Write the file if TinyDB changed it; True when it did. `payload`: from `payload()`; `folders`: see
        `write_atomically` (its directory is left there to fsync)."""
        payload = payload if payload is not None else self.payload()
        self._dirty = False
        if payload is None:
            return False
        try:
            write_atomically(self.path, payload, self.mode, folders=folders)
        except OSError as error:
            raise unavailable(self.path, error) from None
        self._raw = payload
        return True


class NotAppendOnly(TypeError):
    """Code asked a log to change or remove a document it holds: a bug, never a user's doing."""


class FrozenDocument(dict[str, Any]):
    """A document read from a log: TinyDB's update() and remove() on it fail loudly instead of
    changing, in memory, what can never change on disk."""

    def _refuse(self, *_args: Any, **_kwargs: Any) -> None:
        raise NotAppendOnly("a log's documents are never changed")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = __ior__ = _refuse  # type: ignore[assignment]


MAX_UNFINISHED = 1 << 24
"""An unfinished last line longer than this is not what a killed append leaves: damage, never cut."""


class AppendOnlyStorage(Storage):
    """A TinyDB storage for one table kept as an append-only log of JSON lines: line n is document n.

    TinyDB hands a storage the whole database at every write; this one compares it with what it read or
    wrote last and keeps the documents that are new, refusing (NotAppendOnly) any change to or removal
    of one it holds. `flush` appends them durably: a document is committed once its line, newline
    included, is fsynced. A last line without its newline is what a writer killed mid-append leaves:
    readers ignore it and the next append cuts it off. A failed append is truncated back.

    `appending=True` is for a writer that must not pay for what the log holds (a change costs the same
    with 100k history entries as with none): the log is not read, the table shows only the documents
    written through this storage, and their ids are this storage's own (readers number the lines).
    """

    def __init__(
        self, path: Path, table: str, mode: int = PRIVATE_FILE, appending: bool = False, raw: bytes | None = None
    ) -> None:
        self.path = path
        self.table = table
        self.mode = mode
        self.appending = appending
        self._documents: dict[str, Any] | None = None
        self._pending: list[dict[str, Any]] = []
        if raw is not None:
            self._load(raw)

    def _load(self, raw: bytes) -> None:
        entries, _tail = parse_log(self.path, raw)
        self._documents = {str(number): FrozenDocument(entry) for number, entry in enumerate(entries, 1)}

    def read(self) -> Tables:
        if self._documents is None:
            if self.appending:
                self._documents = {}
            else:
                self._load(read_bytes(self.path) or b"")
        assert self._documents is not None
        return {self.table: dict(self._documents)}  # TinyDB replaces the table in what it is given

    def write(self, data: Tables) -> None:
        if any(documents for name, documents in data.items() if name != self.table):
            raise NotAppendOnly(f"{self.path} holds only the table {self.table!r}")
        known = self._documents if self._documents is not None else {}
        given = data.get(self.table, {})
        if any(given.get(key) is not document for key, document in known.items()):
            raise NotAppendOnly(f"{self.path} is append-only: a document was changed or removed")
        added = sorted((key for key in given if key not in known), key=int)
        self._pending.extend(dict(given[key]) for key in added)
        self._documents = {**known, **{key: FrozenDocument(given[key]) for key in added}}

    @property
    def pending(self) -> int:
        """How many documents wait for `flush`."""
        return len(self._pending)

    def payload(self) -> bytes:
        """The lines `flush` appends."""
        return b"".join(dump_json(entry) + b"\n" for entry in self._pending)

    def committed_length(self) -> int:
        """The log's length without an unfinished last line (0 when there is no log)."""
        try:
            descriptor = open_regular(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return 0
        except OSError as error:
            raise unavailable(self.path, error) from None
        try:
            return _committed_length(self.path, descriptor)
        finally:
            os.close(descriptor)

    def flush(self, committed: int | None = None, folders: set[Path] | None = None) -> bool:
        """Append the new documents durably; True when there were any. Only call this holding the desk's
        lock. `committed`: the log's length as the caller measured it (with `committed_length`); `folders`:
        see `append_to_log`."""
        if not self._pending:
            return False
        append_to_log(self.path, memoryview(self.payload()), self.mode, committed, folders)
        self._pending.clear()
        return True


def _committed_length(path: Path, descriptor: int) -> int:
    """Where the last complete line of an open log ends. What follows it must look like the start of an
    entry a killed writer left (`{`): anything else is damage, and StoreCorrupt."""
    size = os.fstat(descriptor).st_size
    end = size
    while end > 0:
        start = max(0, end - 65536)
        block = os.pread(descriptor, end - start, start)
        newline = block.rfind(b"\n")
        if newline >= 0:
            committed = start + newline + 1
            break
        end = start
        if size - end > MAX_UNFINISHED:
            committed = -1
            break
    else:
        committed = 0
    if committed < 0 or (committed < size and os.pread(descriptor, 1, committed) != b"{"):
        raise StoreCorrupt(path, "its last line is not an entry")
    return committed


def append_to_log(
    path: Path, payload: memoryview, mode: int, committed: int | None = None, folders: set[Path] | None = None
) -> None:
    """Append whole lines to a log durably, cutting an unfinished last line first; on a failure part way
    the log is truncated back to what it held. `folders`: a log that is new leaves its directory there
    to fsync (see `write_atomically`) instead of fsyncing it now."""
    try:
        created = not path.exists()
        descriptor = open_regular(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, mode)
    except OSError as error:
        raise unavailable(path, error) from None
    try:
        if created:
            os.fchmod(descriptor, mode)
        if committed is None:
            committed = _committed_length(path, descriptor)
        try:
            if os.fstat(descriptor).st_size != committed:
                os.ftruncate(descriptor, committed)
            while payload:
                payload = payload[os.write(descriptor, payload) :]
            os.fsync(descriptor)
        except OSError:
            os.ftruncate(descriptor, committed)  # disk full part way: no half entry is left behind
            if created:
                path.unlink(missing_ok=True)
            raise
        if created and folders is not None:
            folders.add(path.parent)
        elif created:
            fsync_directory(path.parent)
    except OSError as error:
        raise unavailable(path, error) from None
    finally:
        os.close(descriptor)


def truncate_log(path: Path, length: int) -> None:
    """Put a log back to `length` bytes (a change rolled back); a log that was new is removed."""
    if length == 0:
        path.unlink(missing_ok=True)
        return
    descriptor = open_regular(path, os.O_RDWR)
    try:
        os.ftruncate(descriptor, length)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_log(path: Path, entries: list[dict[str, Any]], mode: int) -> None:
    """Replace a log whole and atomically (a migration writing it from another file)."""
    try:
        write_atomically(path, b"".join(dump_json(entry) + b"\n" for entry in entries), mode)
    except OSError as error:
        raise unavailable(path, error) from None
