"""The inbox's first page, kept from the last full load so the next start shows rows at once (as mutt's
header cache does): the first rows of the default view and order, the views' counts, and what they are
valid for: the desk's change stamp and the agent (whose "Mine" it counts). Any write to the desk changes
the stamp, so a page is either exactly what the full load will show or it is not used; the full load
replaces it moments later either way. Time changes one thing only, the Overdue count: the page keeps when
each open complaint not yet overdue arrived, and counts those that have become overdue since.

A cache, not data: kept under `cache/`, left out of backups and checks, rebuilt whenever it is missing,
stale or unreadable."""

from __future__ import annotations

import bisect
import json
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from console.store import InboxIndex, Summary
from console.store.atomic import make_folder, write_atomically
from console.views import DUE

ROWS = 200
"""Rows kept: a screen's worth on any terminal, and some paging."""
FORMAT = 2
FOLDER = "cache"


class FirstPage(NamedTuple):
    total: int
    """Rows in the default view (All, sorted by status, newest first)."""
    counts: dict[str, int]
    """Complaints in each view."""
    rows: tuple[Summary, ...]


def page_path(directory: Path, agent: str) -> Path:
    return directory / FOLDER / f"first-page-{zlib.crc32(agent.encode('utf-8')):08x}.json"


def read_page(directory: Path, agent: str, stamp: object, now: datetime) -> FirstPage | None:
    """The page kept for `agent`, if it is still exactly what a full load would show."""
    try:
        document = json.loads(page_path(directory, agent).read_bytes())
        if document["format"] != FORMAT or document["agent"] != agent or document["stamp"] != _jsonable(stamp):
            return None
        rows = tuple(Summary(*row) for row in document["rows"])
        counts = {str(key): int(value) for key, value in document["counts"].items()}
        for priority, due in DUE.items():  # overdue since the page was kept
            cutoff = (now - due).astimezone(UTC).isoformat()
            counts["overdue"] += bisect.bisect_left(document["pending"].get(priority, []), cutoff)
        return FirstPage(int(document["count"]), counts, rows)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, torn by hand, from another version: the full load is on its way anyway


def write_page(
    directory: Path,
    mode: int,
    folder_mode: int,
    agent: str,
    stamp: object,
    index: InboxIndex,
    order: list[int],
    counts: dict[str, int],
    now: datetime,
) -> None:
    """Keep the first rows of `order` (the default view, sorted) for the next start. Not fsynced: losing
    it costs one slower start, never data."""
    if stamp is None:
        return
    document = {
        "format": FORMAT,
        "agent": agent,
        "stamp": _jsonable(stamp),
        "pending": _pending(index, now),
        "count": len(order),
        "counts": counts,
        "rows": [list(index.summary(row)) for row in order[:ROWS]],
    }
    path = page_path(directory, agent)
    try:
        make_folder(path.parent, folder_mode)
        write_atomically(path, json.dumps(document, ensure_ascii=False).encode("utf-8"), mode, durable=False)
    except OSError:
        pass  # a read-only desk or a full disk: the next start loads in full, as without a cache


def _pending(index: InboxIndex, now: datetime) -> dict[str, list[str]]:
    """By priority, when each complaint that is neither resolved nor overdue yet arrived (UTC ISO text, which
    sorts by time), sorted: those older than their priority allows at the next start are overdue then. At
    most the last three days' complaints."""
    received = index.text["received"]
    statuses = index.categories["status"]
    resolved = statuses.code_of("resolved")
    priorities = index.categories["priority"]
    pending: dict[str, list[str]] = {}
    for name, due in DUE.items():
        code = priorities.code_of(name)
        if code is None:
            continue
        cutoff = (now - due).astimezone(UTC).isoformat()
        pending[name] = sorted(
            when
            for when, status, priority in zip(received, statuses.codes, priorities.codes, strict=True)
            if priority == code and status != resolved and when >= cutoff
        )
    return pending


def _jsonable(stamp: object) -> object:
    return json.loads(json.dumps(stamp))
