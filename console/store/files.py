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

    def flush(self) -> bool:
        """Write the file if TinyDB changed it; True when it did."""
        if self._data is None or not self._dirty:
            return False
        self._dirty = False
        try:
            payload = dump_json(self._data)
        except RecursionError:  # a value read back nested just within json.loads' reach
            raise StoreCorrupt(self.path, f"not valid JSON: {TOO_DEEP}") from None
        if payload == self._raw:
            return False
        try:
            write_atomically(self.path, payload, self.mode)
        except OSError as error:
            raise unavailable(self.path, error) from None
        self._raw = payload
        return True


class JSONLog:
    """An append-only file of JSON objects, one per line. An entry is committed once its line, newline
    included, has been fsynced; a last line without its newline is what a writer killed mid-append
    leaves, and it is ignored by readers and cut off by the next writer (its command never returned)."""

    def __init__(self, path: Path, mode: int = PRIVATE_FILE) -> None:
        self.path = path
        self.mode = mode

    def entries(self) -> list[dict[str, Any]]:
        return self._read()[0]

    def unfinished_tail(self) -> int:
        """How many bytes an interrupted append left after the last complete line."""
        return self._read()[1]

    def _read(self) -> tuple[list[dict[str, Any]], int]:
        return parse_log(self.path, read_bytes(self.path) or b"")

    def append(self, entries: list[dict[str, Any]]) -> None:
        """Add entries durably. Only call this holding the desk's lock. A damaged log is reported, never
        written to."""
        _entries, tail = self._read()
        payload = memoryview(b"".join(dump_json(entry) + b"\n" for entry in entries))
        try:
            created = not self.path.exists()
            descriptor = open_regular(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, self.mode)
        except OSError as error:
            raise unavailable(self.path, error) from None
        try:
            if created:
                os.fchmod(descriptor, self.mode)
            committed = os.fstat(descriptor).st_size - tail
            try:
                if tail:
                    os.ftruncate(descriptor, committed)
                while payload:
                    payload = payload[os.write(descriptor, payload) :]
                os.fsync(descriptor)
            except OSError:
                os.ftruncate(descriptor, committed)  # disk full part way: no half entry is left behind
                if created:
                    self.path.unlink(missing_ok=True)
                raise
            if created:
                fsync_directory(self.path.parent)
        except OSError as error:
            raise unavailable(self.path, error) from None
        finally:
            os.close(descriptor)
