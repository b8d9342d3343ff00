"""Drafts: what an agent has written in the editor and not saved yet, one per complaint and kind ("reply" or
"note"), kept in `drafts/<agent>.json` so that a restart or a killed SSH session loses nothing.

The file is the agent's own working state, not the desk's data: it is replaced whole and atomically (never
written through a link), changes announce nothing to other agents, and backups leave it out. A file that
cannot be read is moved aside (kept, never deleted) and the agent is told once; drafts start afresh."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.store.atomic import UnsafeFile, make_folder, write_atomically
from console.store.errors import StoreCorrupt, StoreError, StoreUnsafe
from console.store.files import dump_json, parse_json, read_bytes, unavailable
from console.store.lock import DeskLock
from console.store.records import DRAFT_KINDS, Draft

FOLDER = "drafts"
FORMAT = 1
LOCK_SECONDS = 3.0
"""Two programs of the same agent (an old SSH session still running) take turns, briefly."""
DraftKey = tuple[str, str]
"""(complaint id, kind)"""


class DraftsSetAside(StoreError):
    """The agent's drafts file could not be read: it was moved to `kept`, and drafts start afresh."""

    def __init__(self, path: Path, kept: Path, problem: str) -> None:
        super().__init__(f"{path} could not be read ({problem}); it was kept as {kept.name}")
        self.path = path
        self.kept = kept
        self.problem = problem


def drafts_file(directory: Path, author: str) -> Path:
    """The agent's drafts file: a readable part of the name, and a hash of all of it (names are any text)."""
    readable = re.sub(r"[^A-Za-z0-9_-]+", "_", author)[:32].strip("_") or "agent"
    digest = hashlib.sha256(author.encode("utf-8")).hexdigest()[:12]
    return directory / FOLDER / f"{readable}-{digest}.json"


def _draft(entry: object) -> tuple[DraftKey, Draft]:
    if not isinstance(entry, dict):
        raise ValueError("a draft is not a table")
    values = [entry.get(name) for name in ("complaint_id", "kind", "text", "language", "at")]
    if not all(isinstance(value, str) for value in values):
        raise ValueError("a draft needs complaint_id, kind, text, language and at as text")
    complaint_id, kind, text, language, at = values
    moment = datetime.fromisoformat(str(at))
    if kind not in DRAFT_KINDS or moment.tzinfo is None:
        raise ValueError(f"a draft of kind {kind!r} at {at!r}")
    return (str(complaint_id), str(kind)), Draft(str(text), str(language), moment)


def _entry(key: DraftKey, draft: Draft) -> dict[str, Any]:
    return {"complaint_id": key[0], "kind": key[1], "text": draft.text, "language": draft.language,
            "at": draft.at.astimezone(UTC).isoformat()}  # fmt: skip


class Drafts:
    """The drafts of every agent of a desk, each agent's in a file of its own."""

    def __init__(self, directory: Path, mode: int, folder_mode: int) -> None:
        self.directory = directory
        self.mode = mode
        self.folder_mode = folder_mode
        self._locks: dict[str, DeskLock] = {}

    def load(self, author: str) -> dict[DraftKey, Draft]:
        """The agent's drafts. A file that cannot be read is moved aside first (DraftsSetAside says so)."""
        with self._locked(author):
            return self._read(author)

    def save(self, complaint_id: str, kind: str, author: str, text: str, language: str, at: datetime) -> None:
        """Keep (or, with empty text, forget) one draft. A damaged file is set aside and a new one begun:
        the draft being saved is never lost to an old file's damage (DraftsSetAside still says so)."""
        if kind not in DRAFT_KINDS:
            raise ValueError(f"a draft is one of {', '.join(DRAFT_KINDS)}, not {kind!r}")
        with self._locked(author):
            problem: DraftsSetAside | None = None
            try:
                drafts = self._read(author)
            except DraftsSetAside as error:
                drafts, problem = {}, error
            key = (complaint_id, kind)
            if text.strip():
                drafts[key] = Draft(text, language, at)
            elif drafts.pop(key, None) is None and problem is None:
                return  # nothing kept, nothing to forget: nothing written
            self._write(author, drafts)
            if problem is not None:
                raise problem

    def _read(self, author: str) -> dict[DraftKey, Draft]:
        path = drafts_file(self.directory, author)
        try:
            raw = read_bytes(path)
            if raw is None:
                return {}
            document = parse_json(path, raw)
            if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("author") != author:
                raise ValueError("not a drafts file of this agent")
            entries = document.get("drafts")
            if not isinstance(entries, list):
                raise ValueError("its drafts are not a list")
            return dict(map(_draft, entries))
        except StoreCorrupt as error:
            raise self._set_aside(path, error.problem) from None
        except StoreUnsafe:
            raise self._set_aside(path, "not a regular file") from None
        except (ValueError, TypeError) as error:
            raise self._set_aside(path, str(error)) from None

    def _set_aside(self, path: Path, problem: str) -> DraftsSetAside:
        """Move a file that cannot be read out of the way (a rename never follows a link), keeping it."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        kept = path.with_name(f"{path.name}.damaged-{stamp}")
        try:
            os.replace(path, kept)
        except OSError as error:
            raise unavailable(path, error) from None
        return DraftsSetAside(path, kept, problem)

    def _write(self, author: str, drafts: dict[DraftKey, Draft]) -> None:
        path = drafts_file(self.directory, author)
        ordered = sorted(drafts.items(), key=lambda item: item[1].at)
        document = {"format": FORMAT, "author": author, "drafts": [_entry(key, draft) for key, draft in ordered]}
        try:
            write_atomically(path, dump_json(document), self.mode)
        except OSError as error:
            raise unavailable(path, error) from None

    def _locked(self, author: str) -> _Held:
        folder = self.directory / FOLDER
        try:
            make_folder(folder, self.folder_mode)
        except UnsafeFile:
            raise StoreUnsafe(folder) from None
        except OSError as error:
            raise unavailable(folder, error) from None
        if author not in self._locks:
            path = drafts_file(self.directory, author)
            self._locks[author] = DeskLock(path.with_name(f".{path.stem}.lock"), self.mode, LOCK_SECONDS)
        return _Held(self._locks[author])


class _Held:
    """A DeskLock as a context manager."""

    def __init__(self, lock: DeskLock) -> None:
        self.lock = lock

    def __enter__(self) -> None:
        self.lock.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.lock.release()
