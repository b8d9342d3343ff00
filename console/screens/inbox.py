"""The inbox: views with counts, a query language to search (`/`, n/N) and filter (`f`), sorting, and
tagging many complaints to change them at once — over 100k complaints, rendering only what is on screen."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding

from console import labels
from console.body_search import Unreadable
from console.desk import LOAD_IN_BACKGROUND, InboxLoad
from console.first_page import FirstPage
from console.i18n import N_, _
from console.inbox_model import InboxModel
from console.query import Query, QueryError, parse
from console.screens import bulk_change
from console.screens.desk import CHANGE_BINDINGS, DeskScreen
from console.screens.desk_worker import InboxLoaded, InboxLoadFailed, InboxLoading
from console.screens.inbox_bodies import BodiesFound, BodySearches
from console.screens.inbox_loading import InboxLoads
from console.screens.inbox_rows import (
    PENDING_ROW,
    FormattedRows,
    column_titles,
    empty_text,
    inbox_row,
    widest_values,
)
from console.store import Summary
from console.views import DEFAULT_SORT, DEFAULT_VIEW, SORTS, VIEWS, sort_name
from console.widgets.inbox_header import InboxHeader
from console.widgets.inbox_list import InboxList, InboxRow
from console.widgets.inbox_title import TitleFacts
from console.widgets.key_bar import KeyBar
from console.widgets.query_bar import QueryBar
from console.widgets.status_line import StatusLine

__all__ = ["LOAD_IN_BACKGROUND", "InboxScreen", "column_titles"]


class InboxScreen(DeskScreen):
    BINDINGS = [
        *CHANGE_BINDINGS,
        # Priority keys: the letters typed right after them in one burst (a fast typist, a slow link) then
        # already find the query field focused, instead of going to the list as keys ("fHorvat" sorted by its o).
        Binding("slash", "query('search')", N_("Search"), show=True, priority=True),
        Binding("f,backslash", "query('filter')", N_("Filter"), show=True, priority=True),
        Binding("n", "next_match(1)", N_("Next match"), show=False),
        Binding("N", "next_match(-1)", N_("Previous match"), show=False),
        Binding("escape", "clear", N_("Clear search or filter"), show=False),
        Binding("t", "tag", N_("Tag"), show=False),
        Binding("T", "tag_all", N_("Tag all shown"), show=False),
        Binding("u", "undo", N_("Undo bulk change"), show=False),
        Binding("o", "next_sort", N_("Sort"), show=False),
        Binding("O", "reverse_sort", N_("Reverse sort"), show=False),
        Binding("v", "next_view(1)", N_("Next view"), show=False),
        Binding("V", "next_view(-1)", N_("Previous view"), show=False),
        *[
            Binding(str(number), f"view('{view.key}')", view.title, show=False)
            for number, view in enumerate(VIEWS, start=1)
        ],
        Binding("w", "note", N_("Note"), show=False),
        Binding("r", "reply", N_("Reply"), show=False),
    ]

    AUTO_FOCUS = "InboxList"  # not the hidden query field: it shows while it has the focus

    def __init__(self) -> None:
        super().__init__(id="inbox")
        self.model: InboxModel | None = None
        self.page: FirstPage | None = None
        """The first rows kept from the last start, shown while a big desk loads."""
        self.view = DEFAULT_VIEW
        self.sort = DEFAULT_SORT
        self.reverse = False
        self.queries = {"search": Query(), "filter": Query()}
        self.tagged: set[str] = set()
        # The cursor stays on its complaint: the tagged rows around it may move away.
        self._bulk = bulk_change.TaggedChanges(
            self, self.tagged, lambda edit, then: self._save(edit, then, keep_position=False), self._tagged_hidden
        )
        self.load_state = ""
        self._rows = FormattedRows()
        self._loads = InboxLoads(self)
        self._keep_position = False
        self._reported: set[Path] = set()
        """Damaged files already named to the agent: once is enough, every poll would be noise."""
        self._bodies = BodySearches(self, lambda: self.desk.store, lambda: self.model)

    def compose(self) -> ComposeResult:
        yield InboxHeader()
        yield QueryBar()
        yield InboxList(id="inbox-list")
        yield StatusLine()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(InboxList).focus()

    def on_resize(self) -> None:
        self._show_title()  # the views line is fitted to the width: full names again when there is room

    def on_screen_resume(self) -> None:
        """Also sent when the inbox is first shown, and whenever a screen over it closes. If the desk
        changed meanwhile (a complaint was resolved on its screen), the cursor stays on its row, so the
        next complaint is under it. A dialog whose change has already reloaded the inbox (a bulk change,
        which keeps the cursor on its complaint), or help, changed nothing: nothing to do."""
        if self.desk.service.known_stamp != self._loads.stamp:  # seen by the last poll or left by a change
            self.reload(keep_position=True)

    @property
    def inbox(self) -> InboxList:
        return self.query_one(InboxList)

    @property
    def query_bar(self) -> QueryBar:
        return self.query_one(QueryBar)

    def current_complaint_id(self) -> str | None:
        return self.inbox.current_id

    def _current(self) -> Summary | None:
        position = self.inbox.cursor
        if self.model is not None and self.inbox.current_id is not None:
            return self.model.index.summary(self.model.order[position])
        if self.model is None and self.page is not None and position < len(self.page.rows):
            return self.page.rows[position]
        return None

    # Loading

    def reload(self, keep_position: bool = False) -> None:
        self._keep_position = keep_position  # None: the cursor keeps its row number
        opening = self.desk.service.take_opening()
        if opening is None:
            self._load_in_background()
            return
        # The first frame: what start-up read before the app's loop ran.
        if opening.error is not None:
            self.notify(labels.store_error(opening.error), severity="error", timeout=10)
            return
        if opening.load is not None:
            self._take(opening.load, self._loads.ask())
            return
        # A big desk: the kept first page in the first frame, then start loading
        self.page = opening.page
        self.load_state = _("loading…")
        if self.page is not None:
            self._show_rows(self.page.total, self._page_row, 0)
        self._show_title()
        self.call_after_refresh(self._load_in_background)

    def _load_in_background(self) -> None:
        self._loads.start(self.desk.service, first=self.model is None)

    def on_inbox_loading(self, message: InboxLoading) -> None:
        if self._loads.is_new(message.generation):
            self._loading(message.done, message.total)

    def on_inbox_loaded(self, message: InboxLoaded) -> None:
        if self._loads.is_new(message.generation):
            self._take(message.result, message.generation)

    def show_again(self) -> None:
        if self.model is not None:
            self._arrange(self.inbox.current_id)
        elif self.page is not None:
            self._show_rows(self.page.total, self._page_row, self.inbox.cursor)
        else:
            self._show_title()

    def _take(self, load: InboxLoad, generation: int) -> None:
        self._loads.shown(load, generation)
        self._loaded(load.model, None if self._keep_position else self.inbox.current_id)

    def on_inbox_load_failed(self, message: InboxLoadFailed) -> None:
        if self._loads.is_new(message.generation):
            self.notify(labels.store_error(message.error), severity="error", timeout=10)

    def _loading(self, done: int, total: int) -> None:
        if self.model is None:
            # 0 to 100 is written the same in every language here: Babel is not needed (nor loaded) for it
            self.load_state = _("loading… {percent} %").format(percent=done * 100 // max(total, 1))
            self._show_title()

    def _loaded(self, model: InboxModel, keep: str | None) -> None:
        before, self.model = self.model, model
        for mode in self.queries:
            self._search_bodies(mode, before)
        self.page = None
        self.load_state = ""
        self._report(model.index.damaged)
        self._arrange(keep)

    def _report(self, damaged: Iterable[Unreadable]) -> None:
        for damage in damaged:
            if damage.path not in self._reported:
                self._reported.add(damage.path)
                self.notify(labels.store_error(damage), severity="error", timeout=15)

    def heartbeat(self) -> None:
        """At every poll: once the clock has moved on a minute, the first-response clocks, the Overdue view
        and its count catch up (nothing is read from the desk: the time alone changed)."""
        model, now = self.model, self.desk.now()
        if model is not None and int(now.timestamp()) // 60 != int(model.now.timestamp()) // 60:
            model.advance(now)
            self._arrange(self.inbox.current_id)

    # Showing

    def _arrange(self, keep: str | None = None, position: int | None = None) -> None:
        """Work the rows out again (view, sort, filter, search) and show them, the cursor on `keep`."""
        model = self.model
        if model is None:
            if self.page is not None and not self._arranged_as_page():
                self.page = None  # it holds the default view and order, unfiltered: not what is asked now
                self.inbox.show(0, self._page_row, column_titles(), 0)
                self._show_title()
            return
        model.arrange(self.view, self.sort, self.reverse, self.queries["filter"], self.queries["search"], self.tagged)
        self._rows.renew(model, model.now)  # the time the Overdue view goes by: a row and its view agree
        if position is None:
            position = model.position_of(keep)
        self.inbox.empty_text = empty_text(filtered=not self.queries["filter"].empty, on_desk=len(model.index))
        self._show_rows(len(model), self._row, position)

    def _show_rows(self, count: int, row_at: Callable[[int], InboxRow], position: int | None) -> None:
        inbox = self.inbox
        inbox.widest = widest_values()
        inbox.show(count, row_at, column_titles(), position, self._mark)
        self._show_title()

    def _row(self, position: int) -> InboxRow:
        assert self.model is not None
        return self._rows.row(self.model, position, self.desk.playbooks)

    def _arranged_as_page(self) -> bool:
        return (
            (self.view, self.sort, self.reverse) == (DEFAULT_VIEW, DEFAULT_SORT, False)
            and self.queries["filter"].empty
            and self.queries["search"].empty
        )

    def _page_row(self, position: int) -> InboxRow:
        """A row of the kept first page; below it, a placeholder until the desk has loaded."""
        if self.page is not None and position < len(self.page.rows):
            return inbox_row(self.page.rows[position], self.desk.playbooks, self.desk.now(), self.desk.service.targets)
        return PENDING_ROW

    def _mark(self, position: int) -> str:
        return self.model.mark(position, self.tagged) if self.model is not None else " "

    def _show_title(self) -> None:
        model = self.model
        header = self.query_one(InboxHeader)
        if model is None and self.page is None:
            header.show_loading(self.load_state)
            return
        shown = len(model) if model is not None else self.page.total if self.page is not None else 0
        arranged = (self.view, self.sort, self.reverse, self.load_state)
        facts = TitleFacts.of(model, shown, len(self.tagged), self._tagged_hidden() if self.tagged else 0, arranged)
        counts = model.counts if model is not None else self.page.counts if self.page is not None else {}
        header.show(facts, counts, self.size.width - 2)

    # Views and sorting

    def action_view(self, key: str) -> None:
        self.view = key
        self._arrange(self.inbox.current_id)

    def action_next_view(self, step: int) -> None:
        keys = [view.key for view in VIEWS]
        self.action_view(keys[(keys.index(self.view) + step) % len(keys)])

    def action_next_sort(self) -> None:
        keys = list(SORTS)
        self.sort = keys[(keys.index(self.sort) + 1) % len(keys)]
        self._sorted()

    def action_reverse_sort(self) -> None:
        self.reverse = not self.reverse
        self._sorted()

    def _sorted(self) -> None:
        self._arrange(self.inbox.current_id)
        self.notify(_("Sorted by {order}").format(order=sort_name(self.sort, self.reverse)))

    # Search and filter

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "query" and self.query_bar.editing:
            return False  # in the query field `/` and `f` are letters
        return super().check_action(action, parameters)

    def action_query(self, mode: str) -> None:
        self.query_bar.open(mode)

    @on(QueryBar.Typed)
    def query_changed(self, event: QueryBar.Typed) -> None:
        model = self.model
        if model is None:
            return
        try:
            query = parse(event.text, self.desk.playbooks.kinds(), self.desk.agent, model.index)
        except QueryError as problem:
            event.bar.refuse(str(problem))
            return
        words = self.queries[event.mode].words
        self.queries[event.mode] = query
        event.bar.accept(event.mode, event.text)
        if query.words != words:
            self._search_bodies(event.mode)
        keep = self.inbox.current_id
        self._arrange(keep)
        if event.mode == "search":
            self._to_match()

    def _to_match(self) -> None:
        """The cursor on a match of the search: where it is, if it is on one, else the next."""
        position = self.model.match_from(self.inbox.cursor) if self.model is not None else None
        if position is not None:
            self.inbox.cursor = position

    @on(QueryBar.Done)
    def query_done(self) -> None:
        self.inbox.focus()

    def on_descendant_focus(self) -> None:
        self.query_bar.show_in_force()

    def on_descendant_blur(self) -> None:
        self.query_bar.show_in_force()

    def action_next_match(self, step: int) -> None:
        model = self.model
        if model is None or not model.matches:
            self.notify(_("No search yet: press / to search."), severity="warning")
            return
        position = model.next_match(self.inbox.cursor, step)
        if position is not None:
            if (position < self.inbox.cursor) == (step > 0) and position != self.inbox.cursor:
                self.notify(_("Search continued from the top.") if step > 0 else _("Search continued from the bottom."))
            self.inbox.cursor = position

    def action_clear(self) -> None:
        """Esc: out of the query field; then the search; then the filter."""
        bar = self.query_bar
        if bar.editing:
            self.inbox.focus()
            if bar.field.value:
                return
        bar.hide_error()
        mode = "search" if not self.queries["search"].empty or bar.texts["search"] else "filter"
        self.queries[mode] = Query()
        bar.clear(mode)
        self._search_bodies(mode)
        self._arrange(self.inbox.current_id)
        self.inbox.focus()
        bar.show_in_force()

    def _search_bodies(self, mode: str, before: InboxModel | None = None) -> None:
        if self.model is not None:
            self._bodies.start(self.model, mode, self.queries[mode].words, before)

    def on_bodies_found(self, message: BodiesFound) -> None:
        model = self.model
        if model is None or not self._bodies.is_current(message):
            return  # found for a query, or a desk, no longer on screen
        self._report(message.batch.damaged)
        had_matches = bool(model.matches)
        model.add_found(message.mode, message.batch.rows, message.batch.done)
        self._arrange(self.inbox.current_id)
        if message.mode == "search" and not had_matches:
            self._to_match()

    # Tagging and changing many

    def _tagged_hidden(self) -> int:
        """Tagged complaints the rows shown leave out: tags stay on them (as mutt's do through a limit), and
        the title and every question about the tagged rows say how many there are."""
        return self.model.hidden(self.tagged) if self.model is not None else 0

    def action_tag(self) -> None:
        complaint_id = self.inbox.current_id
        if complaint_id is None:
            return
        self.tagged.symmetric_difference_update({complaint_id})
        self.inbox.refresh_rows()
        self.inbox.action_cursor_down()
        self._show_title()

    def action_tag_all(self) -> None:
        if self.model is None:
            return
        bulk_change.toggle_all(self.tagged, self.model.ids_shown())
        self.inbox.refresh_rows()
        self._show_title()

    def action_cycle_status(self) -> None:
        if not self.tagged:
            return super().action_cycle_status()
        self._bulk.ask("status")

    def action_cycle_priority(self) -> None:
        if not self.tagged:
            return super().action_cycle_priority()
        self._bulk.ask("priority")

    def action_assign(self) -> None:
        if not self.tagged:
            return super().action_assign()
        self._bulk.ask("assignee")

    def action_switch_playbook(self) -> None:
        if not self.tagged:
            return super().action_switch_playbook()
        self._bulk.ask("playbook")

    def action_undo(self) -> None:
        self._bulk.undo()

    # Opening

    @on(InboxList.Selected)
    def open_complaint(self, event: InboxList.Selected) -> None:
        if event.complaint_id:  # not a row still loading
            self.desk.open_complaint(event.complaint_id)

    def action_note(self) -> None:
        if self.inbox.current_id is not None:
            self.desk.open_complaint(self.inbox.current_id, compose="note")

    def action_reply(self) -> None:
        if self.inbox.current_id is not None:
            self.desk.open_complaint(self.inbox.current_id, compose="reply")
