"""What the inbox shows, apart from how: the loaded complaints, the chosen view, sort, filter and search,
the tagged complaints, and the rows in order — kept as row numbers of the `InboxIndex`, so that 100k
complaints cost a list of ints, and a row is formatted only when it is on screen."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from console.body_search import Found, kept_or_found, mark, marked
from console.playbooks import Playbooks
from console.query import Query, fold_many
from console.response_clock import DEFAULT_TARGETS, targets_for
from console.store import InboxIndex
from console.views import VIEWS, overdue_rows, sorted_rows, view_counts, view_rows


class InboxModel:
    def __init__(
        self,
        index: InboxIndex,
        playbooks: Playbooks,
        agent: str,
        now: datetime,
        targets: Mapping[str, timedelta] = DEFAULT_TARGETS,
    ) -> None:
        self.index = index
        self.playbooks = playbooks
        self.agent = agent
        self.now = now
        self.targets = targets_for(targets)
        """First-response targets by priority: what Overdue and `overdue` go by."""
        self._haystacks: list[str] | None = None
        self.counts = view_counts(index, agent, now, self.targets)
        self._row_of = {complaint_id: row for row, complaint_id in enumerate(index.ids)}
        self._sorted: dict[tuple[str, str, bool], tuple[int, ...]] = {}
        self._late: set[int] | None = None
        self._last: tuple[tuple[str, str, bool], Query, tuple[int, ...]] | None = None
        """The last filter and what it kept: a filter typed on looks only at those rows."""
        self.order: tuple[int, ...] = ()
        """Row numbers as tuples, never lists: the cycle collector stops tracking a tuple of ints, while it
        would walk 100k list items at every full collection (a pause felt in the middle of a keystroke)."""
        self.matches: set[int] = set()
        self.found: dict[str, Found] = {}
        """What the bodies gave so far for the search's and the filter's words (by "search", "filter"):
        worked out on a worker (`body_search`), added to what the search text finds."""
        self._fresh: dict[str, list[int]] = {}
        """Rows the bodies gave since the last `arrange`, by mode: merged in, if nothing else changed."""
        self._arranged: tuple[object, ...] | None = None
        self._in_view: tuple[tuple[str, str, bool], bytearray] | None = None
        self._in_order: bytearray | None = None

    def advance(self, now: datetime) -> bool:
        """The clock moved on (a minute, at the screen's poll): the Overdue view, its count, and what a filter
        by age or `overdue` keeps are worked out again as of `now` at the next `arrange` (the other views do
        not depend on the time). True when the overdue rows changed."""
        late = overdue_rows(self.index, now, self.targets)
        changed = len(late) != self.counts["overdue"] or (self._late is not None and late != self._late)
        self.now = now
        self._late = late
        self.counts = {**self.counts, "overdue": len(late)}
        self._sorted = {key: rows for key, rows in self._sorted.items() if key[0] != "overdue"}
        self._arranged = None
        self._last = None
        return changed

    @property
    def row_of(self) -> Mapping[str, int]:
        """Each complaint id's row number in the index."""
        return self._row_of

    @property
    def haystacks(self) -> list[str]:
        """The folded search text of every row: made on first need (`prepare_search` does it ahead)."""
        if self._haystacks is None:
            self._haystacks = self.index.haystacks(fold_many)
        return self._haystacks

    def prepare_search(self) -> None:
        self.haystacks  # noqa: B018 - made now, in a worker, rather than at the first keystroke

    def arrange(
        self,
        view: str,
        sort: str,
        reverse: bool,
        filter: Query,
        search: Query,
        tagged: Collection[str],
    ) -> None:
        """Work out `order` (the rows shown, in order) and `matches` (those the search finds). When only
        the bodies found more since the last time, those are merged in: a few ms, not a pass over 100k."""
        key = (view, sort, reverse)
        arranged = (key, filter, search)
        if arranged == self._arranged and not (filter.tagged or search.tagged):
            self._merge_fresh(key, filter, search)
            return
        self._arranged = arranged
        self._fresh.clear()
        self._in_order = None
        if key not in self._sorted:
            in_view = view_rows(view, self.index, self.agent, self.now, self.targets)
            self._sorted[key] = tuple(sorted_rows(sort, in_view, self.index, self.playbooks, reverse))
        rows: Sequence[int] = self._sorted[key]
        if filter.empty:
            self.order = self._sorted[key]
        else:
            kept_by = None
            if self._last is not None and self._last[0] == key and filter.narrows(self._last[1]):
                rows, kept_by = self._last[2], self._last[1]
            late = self._late_for(filter)
            self.order = tuple(filter.rows(self.index, rows, self.haystacks, self.now, tagged, late, kept_by))
            self.order = tuple(self._with_found("filter", filter, self._sorted[key], self.order, tagged))
        self._last = (key, filter, self.order)
        if search.empty:
            self.matches = set()
        else:
            found = search.rows(self.index, self.order, self.haystacks, self.now, tagged, self._late_for(search))
            self.matches = set(self._with_found("search", search, self.order, found, tagged))

    def add_found(self, mode: str, rows: Sequence[int], done: bool) -> None:
        """Rows the bodies gave for the words of the `mode` query, for the next `arrange`."""
        found = self.found[mode]
        fresh = [row for row in rows if not found.rows[row]]
        carried = found.carried is not None
        found.add(rows, done)
        if carried and done:
            self._arranged = None  # what was found before the reload and not again goes: worked out anew
        else:
            self._fresh.setdefault(mode, []).extend(fresh)

    def _merge_fresh(self, key: tuple[str, str, bool], filter: Query, search: Query) -> None:
        """Put the rows the bodies found since the last `arrange` in their places: the filter's into
        `order`, the search's (and the filter's new rows the search finds) into `matches`."""
        in_view, in_order = self._masks(key)
        added: list[int] = []
        fresh = self._fresh.pop("filter", [])
        if fresh and not filter.empty:
            candidates = [row for row in fresh if in_view[row] and not in_order[row]]
            unworded = dataclasses.replace(filter, words=())
            added = unworded.rows(self.index, candidates, self.haystacks, self.now, (), self._late_for(filter))
            if added:
                mark(in_order, added)
                self.order = tuple(marked(self._sorted[key], in_order))
                self._last = (key, filter, self.order)
        fresh = [row for row in self._fresh.pop("search", []) if in_order[row]]
        if search.empty or not (added or fresh):
            return
        found = self.found.get("search")
        shown = found.shown() if found is not None and found.words == search.words else bytearray(len(self.index))
        hay = self.haystacks
        unworded = dataclasses.replace(search, words=())
        for row in unworded.rows(self.index, added + fresh, hay, self.now, (), self._late_for(search)):
            if shown[row] or all(word in hay[row] for word in search.words):
                self.matches.add(row)

    def _masks(self, key: tuple[str, str, bool]) -> tuple[bytearray, bytearray]:
        """A byte per row, 1 for the rows of the view `key`, and for the rows in `order` (made on first
        need after each `arrange` that works the rows out anew)."""
        if self._in_view is None or self._in_view[0] != key:
            self._in_view = (key, bytearray(len(self.index)))
            mark(self._in_view[1], self._sorted[key])
        if self._in_order is None:
            self._in_order = bytearray(len(self.index))
            mark(self._in_order, self.order)
        return self._in_view[1], self._in_order

    def _with_found(
        self, mode: str, query: Query, candidates: Sequence[int], kept: Sequence[int], tagged: Collection[str]
    ) -> Sequence[int]:
        """`kept` (what the search text gave) and the `candidates` the bodies found for the query's words that
        meet its other terms, in the candidates' order. Only for the query the bodies were searched for."""
        found = self.found.get(mode)
        if found is None or found.words != query.words:
            return kept
        shown = found.shown()
        if 1 not in shown:
            return kept
        unworded = dataclasses.replace(query, words=())
        rows = unworded.rows(self.index, candidates, self.haystacks, self.now, tagged, self._late_for(query))
        return kept_or_found(shown, kept, rows)

    def _late_for(self, query: Query) -> set[int] | None:
        """The overdue rows, worked out (once, about 30 ms at 100k) only for a query that asks for them."""
        return self.late if query.overdue else None

    @property
    def late(self) -> set[int]:
        """The overdue rows (as of loading)."""
        if self._late is None:
            self._late = overdue_rows(self.index, self.now, self.targets)
        return self._late

    def __len__(self) -> int:
        return len(self.order)

    def complaint_id(self, position: int) -> str:
        return self.index.ids[self.order[position]]

    def position_of(self, complaint_id: str | None) -> int | None:
        row = self._row_of.get(complaint_id) if complaint_id is not None else None
        if row is None:
            return None
        try:
            return self.order.index(row)
        except ValueError:
            return None

    def next_match(self, position: int, step: int) -> int | None:
        """The position of the next (step 1) or previous (step -1) match after `position`, wrapping."""
        count = len(self.order)
        if not self.matches or not count:
            return None
        for offset in range(1, count + 1):
            candidate = (position + step * offset) % count
            if self.order[candidate] in self.matches:
                return candidate
        return None

    def match_from(self, position: int) -> int | None:
        """`position` if its row is a match of the search, else the position of the next match (None: none)."""
        if not self.matches:
            return None
        if self.order[position] in self.matches:
            return position
        return self.next_match(position, 1)

    def mark(self, position: int, tagged: set[str]) -> str:
        """The sign before a row: `*` tagged, `+` a match of the search."""
        row = self.order[position]
        if self.index.ids[row] in tagged:
            return "*"
        return "+" if row in self.matches else " "

    def ids_shown(self) -> list[str]:
        ids = self.index.ids
        return [ids[row] for row in self.order]

    def hidden(self, ids: Collection[str]) -> int:
        """How many of `ids` (the tagged complaints) the rows shown leave out: filtered away, in another
        view, moved out of this one by a change, or gone from the desk."""
        if not ids:
            return 0
        shown = set(self.order)
        row_of = self._row_of
        return sum(1 for complaint_id in ids if row_of.get(complaint_id) not in shown)

    def view_keys(self) -> list[str]:
        return [view.key for view in VIEWS]
