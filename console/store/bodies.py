"""What the customers wrote, folded for the body search: one derived file per shard,
`cache/bodies/NNNNN.txt`, stamped with the messages file it was made from.

The bodies of 100k complaints are some 45 MB of text: held in memory they would cost as much again as the
whole inbox, so they stay on disk and a search reads them shard by shard (from the page cache, some 15 ms
for the lot). Messages are written once, at import; a shard's body file is made the first time it is
searched and again only when its messages file changed (an import that filled the shard up). A cache, not
data: never trusted, never backed up or checked; a missing, stale, damaged or odd one (a symlink, a fifo,
a file far larger than its source) is made again from the messages file.

Layout: a first line of JSON, `{"format": 1, "source": [mtime_ns, size, inode], "ids": [...]}`, then one
line per id, its body folded (case and diacritics gone, as the inbox's search text) with tabs and line
breaks made spaces, so a line holds no newline and a phrase matches across a line break.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from console.store.atomic import make_folder, open_regular, write_atomically
from console.store.tinystore import Store

FORMAT = 1
FOLDER = ("cache", "bodies")
GROWTH = 8
"""A body file may be this many times its source's size (folding can lengthen text: `ﬃ` is `ffi`), plus
`SLACK`; a larger one is not read."""
SLACK = 64 * 1024


class ShardBodies(NamedTuple):
    ids: list[str]
    text: bytes
    """Each id's folded body (UTF-8), a line each: searched whole, not line by line."""


def body_path(store: Store, number: int) -> Path:
    return store.directory.joinpath(*FOLDER, f"{number:05d}.txt")


def shard_bodies(store: Store, number: int, fold_lines: Callable[[list[str]], bytes]) -> ShardBodies:
    """The folded bodies of shard `number`, from its body file when that is still what its messages file
    gives, else made again by `fold_lines` (the texts folded, a line each) and kept for next time.
    StoreError when the messages file cannot be read."""
    source = store.messages_stamp(number)
    if source is None:
        return ShardBodies([], b"")
    path = body_path(store, number)
    kept = _read(path, source)
    if kept is not None:
        return kept
    messages = store.message_bodies(number)
    ids = [complaint_id for complaint_id, _body in messages]
    text = fold_lines([body for _id, body in messages])
    header = json.dumps({"format": FORMAT, "source": source, "ids": ids}).encode("ascii")
    _keep(store, path, header + b"\n" + text)
    return ShardBodies(ids, text)


def _read(path: Path, source: list[int]) -> ShardBodies | None:
    """The body file at `path` if it was made from `source`; None otherwise."""
    try:
        descriptor = open_regular(path, os.O_RDONLY)
    except OSError:
        return None  # missing, or not a plain file (never followed, never waited on)
    with os.fdopen(descriptor, "rb") as file:
        if os.fstat(descriptor).st_size > source[1] * GROWTH + SLACK:
            return None
        raw = file.read()
    header, _newline, rest = raw.partition(b"\n")
    try:
        document = json.loads(header)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("source") != source:
        return None
    ids = document.get("ids")
    if not isinstance(ids, list) or not all(map(isinstance, ids, itertools.repeat(str))):
        return None
    return ShardBodies(ids, rest)


def _keep(store: Store, path: Path, payload: bytes) -> None:
    """Write the body file for the next search. Not fsynced and not locked (two writers write the same
    text, one replaces the other whole): losing it costs one slower search, never data."""
    try:
        make_folder(path.parent.parent, store.folder_mode)
        make_folder(path.parent, store.folder_mode)
        write_atomically(path, payload, store.mode, durable=False)
    except OSError:
        pass  # a read-only desk or a full disk: the search goes on from memory
