"""The inbox's header: its title line and its views line, given plain facts by the screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from console import i18n
from console.widgets.inbox_title import TitleFacts, loading_title, title_line, views_line


class InboxHeader(Vertical):
    DEFAULT_CSS = """
    InboxHeader { height: auto; }
    InboxHeader #inbox-title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    InboxHeader #views { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._views_shape: tuple[object, ...] = ()
        """What the views line was last fitted to: counts, current view, width and language."""

    def compose(self) -> ComposeResult:
        yield Static(id="inbox-title")
        yield Static(id="views")

    def show_loading(self, load_state: str) -> None:
        """Nothing to count yet: the title says how far loading is."""
        self.query_one("#inbox-title", Static).update(loading_title(load_state))

    def show(self, facts: TitleFacts, counts: dict[str, int], width: int) -> None:
        self.query_one("#inbox-title", Static).update(title_line(facts, width))
        shape = (tuple(counts.items()), facts.view, width, i18n.current_language())
        if shape != self._views_shape:  # the same at every keystroke of a filter: fitted once (a few ms)
            self._views_shape = shape
            self.query_one("#views", Static).update(views_line(counts, facts.view, width))
