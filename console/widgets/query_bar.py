"""The inbox's query bar: the field a search or filter is typed in, the line saying which are in force,
and the line saying why a query cannot be run. It posts what is typed; the screen parses it and says back
whether it could run it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from console.i18n import _
from console.safe_text import clean_line

MODES = ("filter", "search")


class QueryBar(Vertical):
    """Hidden until `/` or `f`: then the field shows while it is typed in; otherwise one line says which
    filter and search are in force (while typing, the other one's), so a filter never applies unseen."""

    DEFAULT_CSS = """
    QueryBar { height: auto; }
    QueryBar #query { display: none; height: 1; border: none; padding: 0 1; }
    QueryBar #query.shown { display: block; }
    QueryBar #in-force { display: none; height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    QueryBar #in-force.shown { display: block; }
    QueryBar #query-error { display: none; height: 1; padding: 0 1; background: $error 30%; }
    QueryBar #query-error.shown { display: block; }
    """

    @dataclass
    class Typed(Message):
        """The text of the `mode` query changed to `text`."""

        bar: QueryBar
        mode: str
        text: str

        @property
        def control(self) -> QueryBar:
            return self.bar

    @dataclass
    class Done(Message):
        """Enter in the field: typing is over."""

        bar: QueryBar

        @property
        def control(self) -> QueryBar:
            return self.bar

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = "filter"
        self.texts = dict.fromkeys(MODES, "")
        self.applied = dict.fromkeys(MODES, "")
        """The text of the search and of the filter in force (the last that could be run), for the line
        that says so whenever the query field is not being typed in."""
        self._in_force_shape: tuple[str, bool] = ("", False)

    def compose(self) -> ComposeResult:
        yield Input(id="query")
        yield Static(id="in-force")
        yield Static(id="query-error")

    @property
    def field(self) -> Input:
        return self.query_one("#query", Input)

    @property
    def editing(self) -> bool:
        return self.field.has_focus

    def open(self, mode: str) -> None:
        """Show the field for the `mode` query, with its text, and type in it."""
        self.mode = mode
        field = self.field
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
        self.show_in_force()

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.texts[self.mode] = event.value
        self.post_message(self.Typed(self, self.mode, event.value))

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Done(self))

    def refuse(self, problem: str) -> None:
        """The text typed cannot be run: say why, and keep the query before it in force."""
        error = self.query_one("#query-error", Static)
        error.update(Text(problem))
        error.add_class("shown")

    def accept(self, mode: str, text: str) -> None:
        """The text typed is the `mode` query in force now."""
        self.hide_error()
        self.applied[mode] = text

    def hide_error(self) -> None:
        self.query_one("#query-error", Static).remove_class("shown")

    def clear(self, mode: str) -> None:
        """No `mode` query any more."""
        self.hide_error()
        self.texts[mode] = ""
        self.applied[mode] = ""
        field = self.field
        with field.prevent(Input.Changed):
            field.value = ""

    def show_in_force(self) -> None:
        field = self.field
        editing = field.has_focus
        said = {"filter": _("Filter: {query}"), "search": _("Search: {query}")}
        parts = [
            said[mode].format(query=clean_line(self.applied[mode]))
            for mode in MODES
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
