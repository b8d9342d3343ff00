"""A modal that shows a title, a scrollable table of plain-text rows and a hint: help and history."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.i18n import N_
from console.keys import TranslatedBindings


class TableDialog(TranslatedBindings, ModalScreen[None]):
    """Rows are already formatted and made inert; the first column is bold, the rest plain."""

    BINDINGS = [
        Binding("escape,q", "close", N_("Close"), show=True),
        Binding("j,down", "scroll_down", N_("Down"), show=False),
        Binding("k,up", "scroll_up", N_("Up"), show=False),
    ]

    DEFAULT_CSS = """
    TableDialog { align: center middle; }
    TableDialog > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    TableDialog VerticalScroll { height: auto; max-height: 100%; }
    TableDialog .hint { color: $text-muted; }
    """

    def __init__(self, title: str, rows: Sequence[Sequence[str]], hint: str, empty_text: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows
        self.hint = hint
        self.empty_text = empty_text

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        for column in range(len(self.rows[0]) if self.rows else 0):
            table.add_column(style="bold" if column == 0 else "", no_wrap=column < 2)
        for row in self.rows:
            table.add_row(*(Text(cell) for cell in row))
        with Vertical():
            yield Static(Text(self.title_text, style="bold"))
            with VerticalScroll(id="rows"):
                yield Static(table if self.rows else Text(self.empty_text))
            yield Static(Text(self.hint), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#rows", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#rows", VerticalScroll).scroll_up()
