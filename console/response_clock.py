"""The first-response clock: every complaint is due a first reply by the time it was received plus a target
for its priority, and is overdue once that time has passed with no reply, unless it is resolved or waiting
on the customer. Pure: no store, no UI; the time is always given (`now`), never read here.

Most customers who complain in public expect an answer within the hour (the seeds' figure: 72 %), hence an
hour for an urgent complaint. A shop sets its own targets in the config file's `[response]` table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

DEFAULT_TARGETS: Mapping[str, timedelta] = MappingProxyType(
    {
        "urgent": timedelta(hours=1),
        "high": timedelta(hours=4),
        "normal": timedelta(hours=24),
        "low": timedelta(hours=72),
    }
)
"""How long a complaint of each priority may wait for its first reply."""

CLOCK_STOPPED = ("resolved", "waiting")
"""Statuses whose clock does not run: nothing is owed while the customer is to answer, or once it is done."""


def targets_for(targets: Mapping[str, timedelta] | None) -> dict[str, timedelta]:
    """The targets to use: the defaults, with those of `targets` over them (`{}` or None: the defaults)."""
    return {**DEFAULT_TARGETS, **(targets or {})}


def first_response_due(received: datetime, priority: str, targets: Mapping[str, timedelta]) -> datetime:
    """When the first reply is due. A priority with no target of its own has the normal one."""
    chosen = targets_for(targets)
    return received + chosen.get(priority, chosen["normal"])


def is_overdue(status: str, first_response_at: datetime | None, due: datetime, now: datetime) -> bool:
    """Not resolved, not waiting on the customer, no reply yet, and past due."""
    return status not in CLOCK_STOPPED and first_response_at is None and now > due


def clock_runs(status: str, first_response_at: datetime | None) -> bool:
    """Whether the complaint's clock is running: a first reply is owed and nothing stops it."""
    return status not in CLOCK_STOPPED and first_response_at is None
