"""`h`: who changed what on a complaint, and when, oldest first."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.i18n import N_, _
from console.keys import TranslatedBindings


class HistoryScreen(TranslatedBindings, ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,h", "close", N_("Close"), show=True),
        Binding("j,down", "scroll_down", N_("Down"), show=False),
        Binding("k,up", "scroll_up", N_("Up"), show=False),
    ]

    DEFAULT_CSS = """
    HistoryScreen { align: center middle; }
    HistoryScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HistoryScreen VerticalScroll { height: auto; max-height: 100%; }
    HistoryScreen .hint { color: $text-muted; }
    """

    def __init__(self, title: str, entries: list[tuple[str, str, str]]) -> None:
        """`entries`: (when, who, what), already formatted and made inert."""
        super().__init__()
        self.title_text = title
        self.entries = entries

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="dim")
        table.add_column(no_wrap=True, style="bold")
        table.add_column()
        for when, who, what in self.entries:
            table.add_row(Text(when), Text(who), Text(what))
        with Vertical():
            yield Static(Text(self.title_text, style="bold"))
            with VerticalScroll(id="history-entries"):
                yield Static(table if self.entries else Text(_("No changes yet.")))
            yield Static(Text(_("Esc or h closes the history.")), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#history-entries", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#history-entries", VerticalScroll).scroll_up()
