"""All or nothing for a change that writes several files (a bulk change over several shards, or a shard
and its history log).

Before the first file is written, the journal records what each file held: the old bytes of every file
to be replaced (none for a file that is new) and the length of every log to be appended to. It is
written atomically, so it is either whole or absent. Once every file is written it is removed: that is
the moment the change is committed. A change that fails part way is rolled back from the journal at
once; one whose process died is rolled back by the next process that opens the desk or changes it. So a
caller that got an error knows that nothing of its change is kept, and an undo it got back covers
exactly what was written. Rolling back (rather than forward) keeps that promise simple: no change that
was not confirmed ever appears later.

The journal is read as untrusted: it may only name data files of this desk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from console.store.atomic import fsync_directory, write_atomically
from console.store.errors import StoreCorrupt
from console.store.files import dump_json, read_bytes, truncate_log, unavailable

JOURNAL_FILE = "journal"


class Journal:
    def __init__(self, directory: Path, mode: int, logs: tuple[str, ...]) -> None:
        self.directory = directory
        self.path = directory / JOURNAL_FILE
        self.mode = mode
        self._data_file = re.compile(
            rf"(shards|messages|routes|mailids)/[0-9a-f]{{2,5}}\.json|({'|'.join(logs)})/[0-9]{{5}}\.jsonl"
        )
        """What a journal may name: the files a change replaces or appends to (relative to the desk)."""

    def exists(self) -> bool:
        return self.path.exists()

    def begin(self, files: Mapping[Path, bytes | None], logs: Mapping[Path, int]) -> None:
        """Record what `files` hold now (None: not there yet) and how long `logs` are, durably."""
        header = {
            "files": [[self._name(path), None if old is None else len(old)] for path, old in files.items()],
            "logs": [[self._name(path), length] for path, length in logs.items()],
        }
        payload = dump_json(header) + b"\n" + b"".join(old for old in files.values() if old is not None)
        try:
            write_atomically(self.path, payload, self.mode)
        except OSError as error:
            raise unavailable(self.path, error) from None

    def end(self) -> None:
        """The change is committed: forget the old state."""
        try:
            self.path.unlink(missing_ok=True)
            fsync_directory(self.directory)
        except OSError as error:
            raise unavailable(self.path, error) from None

    def roll_back(self) -> list[Path]:
        """Put every file the journal names back as it was, then remove the journal. Returns the files
        replaced (their derived inbox files are then behind them). Only call this holding the lock."""
        raw = read_bytes(self.path)
        if raw is None:
            return []
        files, logs = self._parse(raw)
        try:
            for path, length in logs.items():  # first: cutting a log needs no room on the disk, and readers
                truncate_log(path, length)  # of notes and replies (which no shard counts) see it gone at once
            for path, old in files.items():
                if old is None:
                    path.unlink(missing_ok=True)
                else:
                    write_atomically(path, old, self.mode)
        except OSError as error:
            raise unavailable(self.path, error) from None
        self.end()
        return [path for path, old in files.items() if old is not None]

    def _name(self, path: Path) -> str:
        return path.relative_to(self.directory).as_posix()

    def _parse(self, raw: bytes) -> tuple[dict[Path, bytes | None], dict[Path, int]]:
        header, _newline, body = raw.partition(b"\n")
        try:
            parsed = json.loads(header)
            files: dict[Path, bytes | None] = {}
            offset = 0
            for name, length in parsed["files"]:
                if length is None:
                    files[self._path(name)] = None
                    continue
                if not isinstance(length, int) or length < 0 or offset + length > len(body):
                    raise ValueError("a length does not fit")
                files[self._path(name)] = body[offset : offset + length]
                offset += length
            logs = {self._path(name): length for name, length in parsed["logs"]}
            if offset != len(body) or not all(isinstance(n, int) and n >= 0 for n in logs.values()):
                raise ValueError("the lengths do not add up")
        except (ValueError, TypeError, KeyError, RecursionError) as error:
            raise StoreCorrupt(self.path, f"not a journal of this desk ({error})") from None
        return files, logs

    def _path(self, name: object) -> Path:
        if not isinstance(name, str) or not self._data_file.fullmatch(name):
            raise ValueError(f"{name!r} is not a data file")
        return self.directory / name
