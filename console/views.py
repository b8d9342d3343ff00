"""Queues of the inbox (Mine, Unassigned, Open, Waiting, Overdue, All), which complaints are overdue for
their first reply (console/response_clock.py), and the orders the inbox can be sorted in — all computed over
the columns of an `InboxIndex`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from console.i18n import N_, _, format_age
from console.playbooks import Playbooks
from console.response_clock import DEFAULT_TARGETS, first_response_due, overdue_cutoff, targets_for
from console.store import PRIORITIES, STATUSES
from console.store.index import InboxIndex


class View(NamedTuple):
    key: str
    title: str  # a msgid, translated where shown


VIEWS = (
    View("mine", N_("Mine")),
    View("unassigned", N_("Unassigned")),
    View("open", N_("Open")),
    View("waiting", N_("Waiting")),
    View("overdue", N_("Overdue")),
    View("all", N_("All")),
)

DEFAULT_VIEW = "all"
DEFAULT_SORT = "inbox"

SORTS = {
    "inbox": N_("status, newest"),
    "age": N_("age"),
    "priority": N_("priority"),
    "customer": N_("customer"),
    "progress": N_("progress"),
}
"""Each order's name, in its natural direction (newest, most urgent, A–Z, least done first)."""

SORTS_REVERSED = {
    "inbox": N_("status from resolved, oldest"),
    "age": N_("age, oldest first"),
    "priority": N_("priority, lowest first"),
    "customer": N_("customer, Z–A"),
    "progress": N_("progress, most done first"),
}
"""Each order's name when `O` has turned it round: what comes first, said truthfully."""


def sort_name(key: str, reverse: bool) -> str:
    """The order's name in the current language, as the title and the messages give it."""
    return _((SORTS_REVERSED if reverse else SORTS)[key])


def due_cutoffs(index: InboxIndex, now: datetime, targets: Mapping[str, timedelta]) -> dict[str, str]:
    """By priority code: the UTC ISO text of the moment before which a complaint must have arrived to be
    past its first-response target at `now` (times as text sort as time: one comparison a row)."""
    priority = index.categories["priority"]
    chosen = targets_for(targets)
    return {
        code: overdue_cutoff(now, chosen.get(name, chosen["normal"])).astimezone(UTC).isoformat()
        for code, name in ((priority.code_of(name), name) for name in priority.values)
        if code is not None
    }


def overdue_rows(index: InboxIndex, now: datetime, targets: Mapping[str, timedelta] = DEFAULT_TARGETS) -> set[int]:
    """Rows overdue for their first reply (`response_clock.is_overdue`): open (neither resolved nor waiting
    on the customer), no reply yet, and its clock started (`Summary.clock_start`) longer ago than their
    priority's target."""
    received = index.text["received"]
    restarted = index.text["clock_from"]
    replied = index.text["first_response"]
    statuses = index.categories["status"].codes
    running = index.categories["status"].code_of("open")
    if running is None:
        return set()
    cutoffs = due_cutoffs(index, now, targets)
    return {
        row
        for row, (status, code) in enumerate(zip(statuses, index.categories["priority"].codes, strict=True))
        if status == running and not replied[row] and (restarted[row] or received[row]) < cutoffs[code]
    }


def first_response_cell(
    clock_start: str, priority: str, status: str, first_response: str, now: datetime, targets: Mapping[str, timedelta]
) -> tuple[str, bool]:
    """The inbox's cell for a complaint's first-response clock, and whether it is overdue: the time left
    ("2 hr", "2 t", "2 h"), or how long overdue behind a "!" ("!3 hr"), a mark that reads without colour
    too; empty while the clock does not run (answered, waiting on the customer, resolved)."""
    if status != "open" or first_response:
        return "", False
    due = first_response_due(datetime.fromisoformat(clock_start), priority, targets)
    if now > due:
        return "!" + format_age(due, now), True
    return format_age(now, due), False


def view_rows(
    key: str, index: InboxIndex, agent: str, now: datetime, targets: Mapping[str, timedelta] = DEFAULT_TARGETS
) -> list[int] | range:
    """The rows of a view, in index order."""
    statuses = index.categories["status"]
    codes = statuses.codes
    if key == "all":
        return range(len(index))
    if key in ("open", "waiting"):
        wanted = statuses.code_of(key)
        return [row for row, code in enumerate(codes) if code == wanted]
    if key == "overdue":
        return sorted(overdue_rows(index, now, targets))
    resolved = statuses.code_of("resolved")
    person = index.categories["assignee"].code_of(agent if key == "mine" else None)
    assignees = index.categories["assignee"].codes
    return [row for row, (a, s) in enumerate(zip(assignees, codes, strict=True)) if a == person and s != resolved]


def view_counts(
    index: InboxIndex, agent: str, now: datetime, targets: Mapping[str, timedelta] = DEFAULT_TARGETS
) -> dict[str, int]:
    return {view.key: len(view_rows(view.key, index, agent, now, targets)) for view in VIEWS}


def sorted_rows(
    key: str, rows: Iterable[int], index: InboxIndex, playbooks: Playbooks, reverse: bool = False
) -> list[int]:
    """`rows` in the order `key` names, each in its natural direction (newest, most urgent, A–Z, least
    done first), ties newest first; `reverse` turns the whole order round. Two stable sorts: by age, then
    by the key."""
    received = index.text["received"]
    ordered = sorted(rows, key=received.__getitem__, reverse=True)
    if key in ("inbox", "priority"):
        column, values = ("status", STATUSES) if key == "inbox" else ("priority", tuple(reversed(PRIORITIES)))
        rank = _ranks(index, column, values)
        codes = index.categories[column].codes
        ordered.sort(key=lambda row: rank[codes[row]])
    elif key == "customer":
        from console.query import fold

        names = index.text["customer_name"]
        folded: dict[str, str] = {}
        ordered.sort(key=lambda row: folded.get(names[row]) or folded.setdefault(names[row], fold(names[row])))
    elif key == "progress":
        done = progress_fractions(index, playbooks)
        ordered.sort(key=done.__getitem__)
    if reverse:
        ordered.reverse()
    return ordered


def _ranks(index: InboxIndex, column: str, order: tuple[str, ...]) -> dict[str, int]:
    category = index.categories[column]
    ranks = {category.code_of(value): number for number, value in enumerate(order)}
    return {code: ranks.get(code, len(order)) for code in map(chr, range(0x30, 0x30 + len(category.values)))}


def progress_fractions(index: InboxIndex, playbooks: Playbooks) -> list[float]:
    """Each row's share of its playbook's steps done."""
    playbook_ids = index.column("playbook")
    kinds = index.column("kind")
    ticked = index.text["ticked"]
    cache: dict[tuple[object, object, str], float] = {}
    fractions = []
    for key in zip(playbook_ids, kinds, ticked, strict=True):
        fraction = cache.get(key)
        if fraction is None:
            playbook = playbooks.get(key[0], key[1])
            done = set(key[2].split())
            steps = playbook.step_ids()
            fraction = cache[key] = sum(f"{playbook.id}/{step}" in done for step in steps) / max(len(steps), 1)
        fractions.append(fraction)
    return fractions
