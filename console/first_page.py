"""The inbox's first page, kept from the last full load so the next start shows rows at once (as mutt's
header cache does): the first rows of the default view and order, the views' counts, and what they are
valid for: the desk's change stamp and the agent (whose "Mine" it counts). Any write to the desk changes
the stamp, so a page is either exactly what the full load will show or it is not used; the full load
replaces it moments later either way. Time changes one thing only, the Overdue count: the page keeps when
each complaint whose first-response clock runs and is not yet overdue arrived, and counts those that have
become overdue since (for the targets it was made with: other targets, no page).

A cache, not data: kept under `cache/`, left out of backups and checks, rebuilt whenever it is missing,
stale or unreadable."""

from __future__ import annotations

import bisect
import json
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from console.response_clock import DEFAULT_TARGETS, overdue_cutoff, targets_for
from console.store import InboxIndex, Summary
from console.store.atomic import make_folder, read_regular, write_atomically
from console.store.index import CODE_BASE
from console.views import due_cutoffs

ROWS = 200
"""Rows kept: a screen's worth on any terminal, and some paging."""
FORMAT = 4
FOLDER = "cache"


class FirstPage(NamedTuple):
    total: int
    """Rows in the default view (All, sorted by status, newest first)."""
    counts: dict[str, int]
    """Complaints in each view."""
    rows: tuple[Summary, ...]


def page_path(directory: Path, agent: str) -> Path:
    return directory / FOLDER / f"first-page-{zlib.crc32(agent.encode('utf-8')):08x}.json"


def read_page(
    directory: Path, agent: str, stamp: object, now: datetime, targets: Mapping[str, timedelta] = DEFAULT_TARGETS
) -> FirstPage | None:
    """The page kept for `agent`, if it is still exactly what a full load would show."""
    targets = targets_for(targets)
    try:
        document = json.loads(read_regular(page_path(directory, agent)))  # a planted fifo never blocks
        if document["format"] != FORMAT or document["agent"] != agent or document["stamp"] != _jsonable(stamp):
            return None
        if document["targets"] != _seconds(targets):
            return None
        rows = tuple(Summary(*row) for row in document["rows"])
        counts = {str(key): int(value) for key, value in document["counts"].items()}
        for priority, pending in document["pending"].items():  # overdue since the page was kept
            due = targets.get(priority, targets["normal"])
            cutoff = overdue_cutoff(now, due).astimezone(UTC).isoformat()
            counts["overdue"] += bisect.bisect_left(pending, cutoff)
        return FirstPage(int(document["count"]), counts, rows)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
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
    targets: Mapping[str, timedelta] = DEFAULT_TARGETS,
) -> None:
    """Keep the first rows of `order` (the default view, sorted) for the next start. Not fsynced: losing
    it costs one slower start, never data."""
    if stamp is None:
        return
    document = {
        "format": FORMAT,
        "agent": agent,
        "stamp": _jsonable(stamp),
        "targets": _seconds(targets_for(targets)),
        "pending": _pending(index, now, targets),
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


def _pending(index: InboxIndex, now: datetime, targets: Mapping[str, timedelta]) -> dict[str, list[str]]:
    """By priority, when each complaint whose clock runs (open, no reply yet) and is not overdue yet arrived
    (UTC ISO text, which sorts by time), sorted: those past their target at the next start are overdue then.
    At most the last target's worth of complaints per priority."""
    received = index.text["received"]
    restarted = index.text["clock_from"]
    replied = index.text["first_response"]
    statuses = index.categories["status"]
    running = statuses.code_of("open")
    priorities = index.categories["priority"]
    cutoffs = due_cutoffs(index, now, targets)
    pending: dict[str, list[str]] = {}
    for code, cutoff in cutoffs.items():
        pending[str(priorities.values[ord(code) - CODE_BASE])] = sorted(
            since or when
            for when, since, status, priority, first in zip(
                received, restarted, statuses.codes, priorities.codes, replied, strict=True
            )
            if priority == code and status == running and not first and (since or when) >= cutoff
        )
    return pending


def _seconds(targets: Mapping[str, timedelta]) -> dict[str, float]:
    return {name: span.total_seconds() for name, span in sorted(targets.items())}


def _jsonable(stamp: object) -> object:
    return json.loads(json.dumps(stamp))
