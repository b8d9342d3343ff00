"""What the inbox shows, apart from how: the loaded complaints, the chosen view, sort, filter and search,
the tagged complaints, and the rows in order — kept as row numbers of the `InboxIndex`, so that 100k
complaints cost a list of ints, and a row is formatted only when it is on screen."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from console.playbooks import Playbooks
from console.query import Query, fold_many
from console.store import InboxIndex
from console.views import VIEWS, overdue_rows, sorted_rows, view_counts, view_rows


class InboxModel:
    def __init__(self, index: InboxIndex, playbooks: Playbooks, agent: str, now: datetime) -> None:
        self.index = index
        self.playbooks = playbooks
        self.agent = agent
        self.now = now
        self._haystacks: list[str] | None = None
        self.counts = view_counts(index, agent, now)
        self._row_of = {complaint_id: row for row, complaint_id in enumerate(index.ids)}
        self._sorted: dict[tuple[str, str, bool], tuple[int, ...]] = {}
        self._late: set[int] | None = None
        self._last: tuple[tuple[str, str, bool], Query, tuple[int, ...]] | None = None
        """The last filter and what it kept: a filter typed on looks only at those rows."""
        self.order: tuple[int, ...] = ()
        """Row numbers as tuples, never lists: the cycle collector stops tracking a tuple of ints, while it
        would walk 100k list items at every full collection (a pause felt in the middle of a keystroke)."""
        self.matches: set[int] = set()

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
        """Work out `order` (the rows shown, in order) and `matches` (those the search finds)."""
        key = (view, sort, reverse)
        if key not in self._sorted:
            in_view = view_rows(view, self.index, self.agent, self.now)
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
        self._last = (key, filter, self.order)
        self.matches = (
            set()
            if search.empty
            else set(search.rows(self.index, self.order, self.haystacks, self.now, tagged, self._late_for(search)))
        )

    def _late_for(self, query: Query) -> set[int] | None:
        """The overdue rows, worked out (once, about 30 ms at 100k) only for a query that asks for them."""
        return self.late if query.overdue else None

    @property
    def late(self) -> set[int]:
        """The overdue rows (as of loading)."""
        if self._late is None:
            self._late = overdue_rows(self.index, self.now)
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
