"""The inbox: views with counts, a query language to search (`/`, n/N) and filter (`f`), sorting, and
tagging many complaints to change them at once — over 100k complaints, rendering only what is on screen."""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from console import i18n, labels
from console.body_search import Batch, found_again, search_bodies
from console.desk import LOAD_IN_BACKGROUND, InboxLoad, Outcome, SetMany, UndoLast
from console.first_page import FirstPage
from console.i18n import N_, _, format_age, format_count, format_count_short, ngettext, widest_age
from console.inbox_model import InboxModel
from console.playbooks import Playbooks
from console.query import Query, QueryError, parse
from console.response_clock import DEFAULT_TARGETS
from console.safe_text import clean_line
from console.screens.desk import DeskScreen
from console.screens.desk_worker import InboxLoaded, InboxLoadFailed, InboxLoading, in_background
from console.store import CHANNELS, PRIORITIES, STATUSES, Summary
from console.views import DEFAULT_SORT, DEFAULT_VIEW, SORTS, VIEWS, first_response_cell, sort_name
from console.widgets.inbox_list import InboxList, InboxRow
from console.widgets.key_bar import KeyBar
from console.widgets.status_line import StatusLine

__all__ = ["LOAD_IN_BACKGROUND", "InboxScreen"]
PROGRESS_EVERY_SECONDS = 0.1
BULK_IN_BACKGROUND = 100
"""Above this many complaints a bulk change runs in a worker, saying so (at 20k, 500 take over a second)."""
KEEP_ROWS = 5000
"""At most this many formatted rows are kept (a few MB): paging through 100k formats each row once."""
BODIES_AFTER_SECONDS = 0.2
"""The bodies are searched once typing pauses this long: a search running under every keystroke would
take the screen's thread from it (a few ms at each switch), and its result would be stale anyway."""
NOT_LOADED = object()
PENDING_ROW = InboxRow(
    id="", shown_id="", age="", customer="", subject="…", channel="", language="", status="", status_key="",
    priority="", priority_key="", progress="",
)  # fmt: skip


def inbox_row(
    complaint: Summary, playbooks: Playbooks, now: datetime, targets: Mapping[str, timedelta] = DEFAULT_TARGETS
) -> InboxRow:
    playbook = playbooks.get(complaint.playbook, complaint.kind)
    done = complaint.done_count(playbook.id, playbook.step_ids())
    due, late = first_response_cell(
        complaint.received, complaint.priority, complaint.status, complaint.first_response, now, targets
    )
    return InboxRow(
        id=complaint.id,
        shown_id=clean_line(complaint.id),
        age=format_age(complaint.received_at, now),
        customer=clean_line(complaint.customer_name),
        subject=clean_line(complaint.subject),
        channel=labels.channel(complaint.channel, short=True),
        language=complaint.language,
        status=labels.status(complaint.status),
        status_key=complaint.status,
        priority=labels.priority(complaint.priority),
        priority_key=complaint.priority,
        progress=f"{done}/{len(playbook.steps)}",
        assignee=clean_line(complaint.assignee or "–"),
        due=due,
        late=late,
    )


def shortened(titles: list[str], cut: int | None, whole: int | None = None) -> list[str]:
    """Each title cut to `cut` letters and a dot (`None`: not cut; 0: left out, the view's number says
    which it is), all but the one at `whole`; where two would read the same (Mine and Mis… as "M."),
    both keep a letter more until they differ."""
    if cut is None:
        return list(titles)
    if cut == 0:
        return [title if number == whole else "" for number, title in enumerate(titles)]
    lengths = [len(title) if number == whole else cut for number, title in enumerate(titles)]

    def short(number: int) -> str:
        title = titles[number]
        return title if len(title) <= lengths[number] + 1 else title[: lengths[number]] + "."

    while True:
        seen: dict[str, list[int]] = {}
        for number in range(len(titles)):
            seen.setdefault(short(number).casefold(), []).append(number)
        clashing = [
            number
            for numbers in seen.values()
            if len(numbers) > 1
            for number in numbers
            if short(number) != titles[number]
        ]
        if not clashing:
            return [short(number) for number in range(len(titles))]
        for number in clashing:
            lengths[number] += 1


def column_titles() -> dict[str, str]:
    return {
        "shown_id": "ID",
        "age": _("Age"),
        "due": _("Due"),
        "customer": _("Customer"),
        "subject": _("Subject"),
        "channel": _("Via"),
        "language": _("Lang"),
        "status": _("Status"),
        "priority": _("Priority"),
        "progress": _("Steps"),
        "assignee": _("Agent"),
    }


@dataclass
class BodiesFound(Message, bubble=False):
    """Rows a body search found in one batch of shards, for the query of `token` on `model`."""

    model: InboxModel
    mode: str
    token: int
    batch: Batch


class InboxScreen(DeskScreen):
    BINDINGS = [
        Binding("slash", "query('search')", N_("Search"), show=True),
        Binding("f,backslash", "query('filter')", N_("Filter"), show=True),
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
    ]

    AUTO_FOCUS = "InboxList"  # not the hidden query field: it shows while it has the focus

    DEFAULT_CSS = """
    InboxScreen #inbox-title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    InboxScreen #views { height: 1; padding: 0 1; }
    InboxScreen #query { display: none; height: 1; border: none; padding: 0 1; }
    InboxScreen #query.shown { display: block; }
    InboxScreen #in-force { display: none; height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    InboxScreen #in-force.shown { display: block; }
    InboxScreen #query-error { display: none; height: 1; padding: 0 1; background: $error 30%; }
    InboxScreen #query-error.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__(id="inbox")
        self.model: InboxModel | None = None
        self.page: FirstPage | None = None
        """The first rows kept from the last start, shown while a big desk loads."""
        self.view = DEFAULT_VIEW
        self.sort = DEFAULT_SORT
        self.reverse = False
        self.queries = {"search": Query(), "filter": Query()}
        self.texts = {"search": "", "filter": ""}
        self.applied = {"search": "", "filter": ""}
        """The text of the search and of the filter in force (the last that could be run), for the line
        that says so whenever the query field is not being typed in."""
        self._in_force_shape: tuple[str, bool] = ("", False)
        self.mode = "filter"
        self.tagged: set[str] = set()
        self.load_state = ""
        self._rows: dict[int, InboxRow] = {}
        """Rows formatted for the screen, by row number of the model's index: kept while the model, the
        language and the minute (ages are in minutes at best) stay, so a filter typed in formats only rows
        not seen before."""
        self._rows_of: tuple[object, ...] = ()
        self._views_shape: tuple[object, ...] = ()
        """What the views line was last fitted to: counts, current view, width and language."""
        self._loaded_stamp: object = NOT_LOADED
        """The desk's change stamp when the shown rows were last loaded."""
        self._asked = 0
        """Loads asked for, counted: each answer carries its number (its generation)."""
        self._shown = 0
        """The generation of the rows shown: an answer not newer than that is dropped."""
        self._keep_position = False
        self._progress_at = 0.0
        self._now = self.desk.now()
        self._reported: set[Path] = set()
        """Damaged files already named to the agent: once is enough, every poll would be noise."""
        self._body_tokens = {"search": 0, "filter": 0}
        """The body search each query waits for: a result tagged with another token is stale."""
        self._body_searches = itertools.count(1)

    def compose(self) -> ComposeResult:
        yield Static(id="inbox-title")
        yield Static(id="views")
        yield Input(id="query")
        yield Static(id="in-force")
        yield Static(id="query-error")
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
        if self.desk.service.known_stamp != self._loaded_stamp:  # seen by the last poll or left by a change
            self.reload(keep_position=True)

    @property
    def inbox(self) -> InboxList:
        return self.query_one(InboxList)

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
            self._asked += 1
            self._take(opening.load, self._asked)
            return
        # A big desk: the kept first page in the first frame, then start loading
        self.page = opening.page
        self.load_state = _("loading…")
        if self.page is not None:
            self._show_rows(self.page.total, self._page_row, 0)
        self._show_title()
        self.call_after_refresh(self._load_in_background)

    def _load_in_background(self) -> None:
        self._asked += 1
        first = self.model is None
        service = self.desk.service
        self._progress_at = time.monotonic()

        def then(load: InboxLoad) -> None:
            service.after_inbox_load(load, first)

        in_background(
            self,
            partial(service.load_inbox, partial(self._progress, self._asked), first),
            InboxLoaded,
            InboxLoadFailed,
            group="inbox-load",
            generation=self._asked,
            exclusive=True,
            then=then,
        )

    def _progress(self, generation: int, done: int, total: int) -> None:
        """On the loading thread: a few a second will do (each one repaints)."""
        if time.monotonic() - self._progress_at >= PROGRESS_EVERY_SECONDS:
            self._progress_at = time.monotonic()
            self.post_message(InboxLoading(generation, done, total))

    def on_inbox_loading(self, message: InboxLoading) -> None:
        if message.generation > self._shown:
            self._loading(message.done, message.total)

    def on_inbox_loaded(self, message: InboxLoaded) -> None:
        if message.generation > self._shown:  # else a load overtaken by a newer one already shown: dropped
            self._take(message.result, message.generation)

    def show_again(self) -> None:
        if self.model is not None:
            self._arrange(self.inbox.current_id)
        elif self.page is not None:
            self._show_rows(self.page.total, self._page_row, self.inbox.cursor)
        else:
            self._show_title()

    def _take(self, load: InboxLoad, generation: int) -> None:
        self._shown = generation
        self._loaded_stamp = load.stamp
        self._loaded(load.model, None if self._keep_position else self.inbox.current_id)

    def on_inbox_load_failed(self, message: InboxLoadFailed) -> None:
        if message.generation > self._shown:
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
        for damage in model.index.damaged:
            if damage.path not in self._reported:
                self._reported.add(damage.path)
                self.notify(labels.store_error(damage), severity="error", timeout=15)
        self._arrange(keep)

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
        self._now = self.desk.now()
        model.arrange(self.view, self.sort, self.reverse, self.queries["filter"], self.queries["search"], self.tagged)
        rows_of = (model, i18n.current_language(), int(self._now.timestamp()) // 60)
        if rows_of != self._rows_of:
            self._rows, self._rows_of = {}, rows_of
        if position is None:
            position = model.position_of(keep)
        self.inbox.empty_text = (
            _("Nothing matches the filter.")
            if not self.queries["filter"].empty
            else _("Nothing in this view.")
            if len(model.index)
            else _("The inbox is empty. Add complaints with: agent-console import FILE (or try --demo).")
        )
        self._show_rows(len(model), self._row, position)

    def _show_rows(self, count: int, row_at: Callable[[int], InboxRow], position: int | None) -> None:
        inbox = self.inbox
        inbox.widest = {
            "age": widest_age(),
            "due": widest_age() + 1,  # "!" and how long overdue
            "status": max(cell_len(labels.status(status)) for status in STATUSES),
            "priority": max(cell_len(labels.priority(priority)) for priority in PRIORITIES),
            "channel": max(cell_len(labels.channel(channel, short=True)) for channel in CHANNELS),
        }
        inbox.show(count, row_at, column_titles(), position, self._mark)
        self._show_title()

    def _row(self, position: int) -> InboxRow:
        assert self.model is not None
        number = self.model.order[position]
        row = self._rows.get(number)
        if row is None:
            if len(self._rows) >= KEEP_ROWS:
                self._rows.clear()
            row = self._rows[number] = inbox_row(
                self.model.index.summary(number), self.desk.playbooks, self._now, self.model.targets
            )
        return row

    def _arranged_as_page(self) -> bool:
        return (
            (self.view, self.sort, self.reverse) == (DEFAULT_VIEW, DEFAULT_SORT, False)
            and self.queries["filter"].empty
            and self.queries["search"].empty
        )

    def _page_row(self, position: int) -> InboxRow:
        """A row of the kept first page; below it, a placeholder until the desk has loaded."""
        if self.page is not None and position < len(self.page.rows):
            return inbox_row(self.page.rows[position], self.desk.playbooks, self._now, self.desk.service.targets)
        return PENDING_ROW

    def _mark(self, position: int) -> str:
        model = self.model
        if model is None:
            return " "
        row = model.order[position]
        if model.index.ids[row] in self.tagged:
            return "*"
        return "+" if row in model.matches else " "

    def _show_title(self) -> None:
        model = self.model
        title = self.query_one("#inbox-title", Static)
        views = self.query_one("#views", Static)
        if model is None and self.page is None:
            title.update(Text(_("Inbox — {state}").format(state=self.load_state), no_wrap=True))
            return
        view = next(view for view in VIEWS if view.key == self.view)
        shown = len(model) if model is not None else self.page.total if self.page is not None else 0
        found = len(model.matches) if model is not None else 0
        tagged = len(self.tagged)
        hidden = self._tagged_hidden() if tagged else 0
        searching = model is not None and any(found.searching for found in model.found.values())

        def parts(count: Callable[[int], str]) -> list[str]:
            said = [ngettext("{count} shown", "{count} shown", shown).format(count=count(shown))]
            if found:
                said.append(ngettext("{count} match", "{count} matches", found).format(count=count(found)))
            if searching:
                said.append(_("searching…"))
            if tagged:
                said_tagged = ngettext("{count} tagged", "{count} tagged", tagged).format(count=count(tagged))
                if hidden:
                    said_tagged += " " + ngettext("({count} hidden)", "({count} hidden)", hidden).format(
                        count=count(hidden)
                    )
                said.append(said_tagged)
            arrow = "↑" if self.reverse else "↓"
            # The arrow first: where the title is cut short, it is the order's name that goes, not its direction.
            said.append(_("sorted by {order}").format(order=f"{arrow} {sort_name(self.sort, self.reverse)}"))
            if self.load_state:
                said.append(self.load_state)
            return said

        # Whole where it fits; else without the view's name (the line below shows it), with short counts,
        # and last without "Inbox": the order is never the part that is cut off.
        tries = [
            _("Inbox — {state}").format(state=" · ".join([_(view.title), *parts(format_count)])),
            _("Inbox — {state}").format(state=" · ".join(parts(format_count))),
            _("Inbox — {state}").format(state=" · ".join(parts(format_count_short))),
            " · ".join(parts(format_count_short)),
        ]
        fitting = next((text for text in tries if cell_len(text) <= self.size.width - 2), tries[-1])
        title.update(Text(fitting, no_wrap=True, overflow="ellipsis"))
        counts = model.counts if model is not None else self.page.counts if self.page is not None else {}
        shape = (tuple(counts.items()), self.view, self.size.width - 2, i18n.current_language())
        if shape != self._views_shape:  # the same at every keystroke of a filter: fitted once (a few ms)
            self._views_shape = shape
            views.update(self._views_line(counts, self.size.width - 2))

    def _views_line(self, counts: dict[str, int], width: int) -> Text:
        """`1 Mine 3 │ 2 Unassigned 40 │ … │ [6 All 300]`, the current view in brackets (seen without colour
        too). When it does not fit: tighter, counts in short form, then the other views' names cut shorter
        and shorter (never to the same letters), and last the current one's too."""

        def rounded(count: int) -> str:
            return format_count_short(count, fraction_digits=0)

        current = next(number for number, view in enumerate(VIEWS) if view.key == self.view)
        titles = [_(view.title) for view in VIEWS]
        tries: list[tuple[Callable[[int], str], str, int | None, int | None]] = [
            (format_count, " │ ", None, current),
            (format_count, "│", None, current),
            (format_count_short, "│", None, current),
            (rounded, "│", None, current),
            *((rounded, "│", cut, current) for cut in range(8, -1, -1)),
            *((rounded, "│", cut, None) for cut in range(4, -1, -1)),
        ]
        line = Text()
        for count, separator, cut, whole in tries:
            line = Text(no_wrap=True, overflow="ellipsis")
            for number, (view, title) in enumerate(zip(VIEWS, shortened(titles, cut, whole), strict=True)):
                if number:
                    line.append(separator, style="dim")
                shown = " ".join(part for part in (str(number + 1), title, count(counts[view.key])) if part)
                if number == current:
                    line.append(f"[{shown}]", style="bold reverse")
                else:
                    line.append(shown)
            if line.cell_len <= width:
                break
        return line

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
        self._arrange(self.inbox.current_id)
        self.notify(_("Sorted by {order}").format(order=sort_name(self.sort, self.reverse)))

    def action_reverse_sort(self) -> None:
        self.reverse = not self.reverse
        self._arrange(self.inbox.current_id)
        self.notify(_("Sorted by {order}").format(order=sort_name(self.sort, self.reverse)))

    # Search and filter

    def action_query(self, mode: str) -> None:
        self.mode = mode
        field = self.query_one("#query", Input)
        field.placeholder = (
            _("Search: words, status:open prio:high agent:me lang:fi overdue — Enter: done")
            if mode == "search"
            else _("Filter: words, status:open prio:high agent:me lang:fi overdue — Enter: done")
        )
        with field.prevent(Input.Changed):
            field.value = self.texts[mode]
        field.add_class("shown")
        # At once, not on the next idle: letters typed right after / belong to the query, not to the keys.
        self.app.set_focus(field)
        self._show_in_force()

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        self.texts[self.mode] = event.value
        error = self.query_one("#query-error", Static)
        model = self.model
        if model is None:
            return
        try:
            query = parse(event.value, self.desk.playbooks.kinds(), self.desk.agent, model.index)
        except QueryError as problem:
            error.update(Text(str(problem)))
            error.add_class("shown")
            return
        error.remove_class("shown")
        words = self.queries[self.mode].words
        self.queries[self.mode] = query
        self.applied[self.mode] = event.value
        if query.words != words:
            self._search_bodies(self.mode)
        keep = self.inbox.current_id
        self._arrange(keep)
        if self.mode == "search":
            self._to_match()

    def _to_match(self) -> None:
        """The cursor on a match of the search: where it is, if it is on one, else the next."""
        model = self.model
        if model is None or not model.matches:
            return
        position = self.inbox.cursor if model.order[self.inbox.cursor] in model.matches else None
        if position is None:
            position = model.next_match(self.inbox.cursor, 1)
        if position is not None:
            self.inbox.cursor = position

    @on(Input.Submitted, "#query")
    def query_done(self) -> None:
        self.inbox.focus()

    def on_descendant_focus(self) -> None:
        self._show_in_force()

    def on_descendant_blur(self) -> None:
        self._show_in_force()

    def _show_in_force(self) -> None:
        """The query field shows while it is typed in; otherwise one line says which filter and search are
        in force (while typing, the other one's), so a filter never applies unseen."""
        field = self.query_one("#query", Input)
        editing = field.has_focus
        labels = {"filter": _("Filter: {query}"), "search": _("Search: {query}")}
        parts = [
            labels[mode].format(query=clean_line(self.applied[mode]))
            for mode in ("filter", "search")
            if self.applied[mode] and not (editing and mode == self.mode)
        ]
        shape = (" · ".join(parts), editing)
        if shape == self._in_force_shape:
            return  # a focus moving in the list changes nothing here: no layout to redo
        self._in_force_shape = shape
        line = self.query_one("#in-force", Static)
        line.update(Text(shape[0]))
        line.set_class(bool(parts), "shown")
        field.set_class(editing, "shown")

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
        field = self.query_one("#query", Input)
        if field.has_focus:
            self.inbox.focus()
            if field.value:
                return
        self.query_one("#query-error", Static).remove_class("shown")
        mode = "search" if not self.queries["search"].empty or self.texts["search"] else "filter"
        self.queries[mode] = Query()
        self.texts[mode] = ""
        self.applied[mode] = ""
        self._search_bodies(mode)
        with field.prevent(Input.Changed):
            field.value = ""
        self._arrange(self.inbox.current_id)
        self.inbox.focus()
        self._show_in_force()

    def _search_bodies(self, mode: str, before: InboxModel | None = None) -> None:
        """Look for the words of the `mode` query in the bodies too, on a worker (`body_search`); the
        search before it is stale from now. `before`: the model a reload replaced, whose result for the
        same words stays shown until the new one is done."""
        model = self.model
        if model is None:
            return
        self._body_tokens[mode] = token = next(self._body_searches)
        words = self.queries[mode].words
        if not words:
            model.found.pop(mode, None)
            return
        earlier = before.found.get(mode) if before is not None else None
        ids = before.index.ids if before is not None else ()
        model.found[mode] = found_again(words, earlier, ids, model.row_of, len(model.index))
        self.set_timer(
            BODIES_AFTER_SECONDS if before is None else 0,
            functools.partial(self._search_bodies_now, model, mode, words, token),
        )

    def _search_bodies_now(self, model: InboxModel, mode: str, words: tuple[str, ...], token: int) -> None:
        if model is self.model and self._body_tokens[mode] == token:  # not typed on meanwhile
            self._bodies_in_background(model, mode, words, token)

    @work(thread=True, group="inbox-bodies")
    def _bodies_in_background(self, model: InboxModel, mode: str, words: tuple[str, ...], token: int) -> None:
        worker = get_current_worker()

        def wanted() -> bool:  # not when typed on, nor when the app is quitting
            return self._body_tokens[mode] == token and not worker.is_cancelled

        for batch in search_bodies(self.desk.store, words, model.haystacks, model.row_of, wanted):
            self.post_message(BodiesFound(model, mode, token, batch))

    def on_bodies_found(self, message: BodiesFound) -> None:
        self._bodies_found(message.model, message.mode, message.token, message.batch)

    def _bodies_found(self, model: InboxModel, mode: str, token: int, batch: Batch) -> None:
        if model is not self.model or self._body_tokens[mode] != token:
            return  # found for a query, or a desk, no longer on screen
        for damage in batch.damaged:
            if damage.path not in self._reported:
                self._reported.add(damage.path)
                self.notify(labels.store_error(damage), severity="error", timeout=15)
        had_matches = bool(model.matches)
        model.add_found(mode, batch.rows, batch.done)
        self._arrange(self.inbox.current_id)
        if mode == "search" and not had_matches:
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
        shown = self.model.ids_shown()
        if shown and self.tagged.issuperset(shown):
            self.tagged.difference_update(shown)
        else:
            self.tagged.update(shown)
        self.inbox.refresh_rows()
        self._show_title()

    def action_cycle_status(self) -> None:
        if not self.tagged:
            return super().action_cycle_status()
        choices = [(status, labels.status(status)) for status in STATUSES]
        from console.screens.dialogs import ChoiceDialog  # not needed for the first screen

        self._choose_for_tagged("status", ChoiceDialog(_("Status of the tagged complaints"), choices, None))

    def action_cycle_priority(self) -> None:
        if not self.tagged:
            return super().action_cycle_priority()
        choices = [(priority, labels.priority(priority)) for priority in PRIORITIES]
        from console.screens.dialogs import ChoiceDialog  # not needed for the first screen

        self._choose_for_tagged("priority", ChoiceDialog(_("Priority of the tagged complaints"), choices, None))

    def action_assign(self) -> None:
        if not self.tagged:
            return super().action_assign()
        from console.screens.dialogs import AssignDialog  # not needed for the first screen

        self._choose_for_tagged("assignee", AssignDialog(None, self.desk.agent, self.desk.known_agents()))

    def action_switch_playbook(self) -> None:
        if not self.tagged:
            return super().action_switch_playbook()
        from console.screens.dialogs import playbook_dialog  # not needed for the first screen

        self._choose_for_tagged("playbook", playbook_dialog(self.desk.playbooks, None, self.desk.language))

    def _choose_for_tagged(self, field: str, dialog: ModalScreen[str]) -> None:
        def chosen(value: str | None) -> None:
            if value is None:
                return
            self._preview(field, value or None)

        self.app.push_screen(dialog, chosen)

    def _preview(self, field: str, value: str | None) -> None:
        ids = sorted(self.tagged)
        shown = _shown_value(field, value, self.desk.playbooks, self.desk.language)
        question = ngettext(
            "Set {field} to {value} on {count} tagged complaint?",
            "Set {field} to {value} on {count} tagged complaints?",
            len(ids),
        ).format(field=_field_name(field), value=shown, count=format_count(len(ids)))
        if hidden := self._tagged_hidden():
            question += "\n" + ngettext(
                "{count} of them is not shown (filter or view).",
                "{count} of them are not shown (filter or view).",
                hidden,
            ).format(count=format_count(hidden))

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply(field, dict.fromkeys(ids, value), undoing=False)

        from console.screens.dialogs import ConfirmDialog  # not needed for the first screen

        self.app.push_screen(ConfirmDialog(question), answered)

    def _apply(self, field: str, values: dict[str, str | None], undoing: bool) -> None:
        if len(values) > BULK_IN_BACKGROUND:
            changing = ngettext("Changing {count} complaint…", "Changing {count} complaints…", len(values))
            self.notify(changing.format(count=format_count(len(values))))
        # The cursor stays on its complaint: the tagged rows around it may move away.
        self._save(UndoLast() if undoing else SetMany(field, values), self._applied, keep_position=False)

    def _applied(self, outcome: Outcome) -> None:
        if isinstance(outcome.edit, UndoLast):
            if outcome.undid is None:
                self.notify(_("Nothing to undo."), severity="warning")
                return
            message = ngettext("Undone on {count} complaint.", "Undone on {count} complaints.", outcome.changed)
        else:
            message = ngettext(
                "Changed {count} complaint; u to undo.", "Changed {count} complaints; u to undo.", outcome.changed
            )
        self.notify(message.format(count=format_count(outcome.changed)))

    def action_undo(self) -> None:
        """Undo the last bulk change, once it (and any still queued) is stored: the desk service keeps it."""
        self._apply("", {}, undoing=True)

    # Opening

    @on(InboxList.Selected)
    def open_complaint(self, event: InboxList.Selected) -> None:
        if event.complaint_id:  # not a row still loading
            self.desk.open_complaint(event.complaint_id)

    def action_note(self) -> None:
        if self.inbox.current_id is not None:
            self.desk.open_complaint(self.inbox.current_id, write_note=True)


def _field_name(field: str) -> str:
    return {
        "status": _("status"),
        "priority": _("priority"),
        "assignee": _("agent"),
        "playbook": _("playbook"),
    }[field]


def _shown_value(field: str, value: str | None, playbooks: Playbooks, language: str) -> str:
    if field == "status" and value:
        return labels.status(value)
    if field == "priority" and value:
        return labels.priority(value)
    if field == "playbook" and value:
        return playbooks[value].title(language)
    return clean_line(value) if value else _("nobody")
