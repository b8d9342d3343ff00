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
from console.keys import SCROLL_BINDINGS


class TableDialog(ModalScreen[None]):
    """Rows are already formatted and made inert; the first column is bold, the rest plain."""

    BINDINGS = [Binding("escape,q", "close", N_("Close"), show=True), *SCROLL_BINDINGS]

    DEFAULT_CSS = """
    TableDialog { align: center middle; }
    TableDialog > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    TableDialog VerticalScroll { height: auto; max-height: 70vh; }
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
        columns = len(self.rows[0]) if self.rows else 0
        for column in range(columns):  # the last column wraps; the others keep their width
            table.add_column(style="bold" if column == 0 else "", no_wrap=column < columns - 1)
        for row in self.rows:
            table.add_row(*(Text(cell) for cell in row))
        with Vertical():
            yield Static(Text(self.title_text, style="bold"))
            with VerticalScroll(id="rows"):
                yield Static(table if self.rows else Text(self.empty_text))
            yield Static(Text(self.hint), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)

    @property
    def _rows(self) -> VerticalScroll:
        return self.query_one("#rows", VerticalScroll)

    def action_scroll_down(self) -> None:
        self._rows.scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self._rows.scroll_up(animate=False)

    def action_scroll_home(self) -> None:
        self._rows.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self._rows.scroll_end(animate=False)

    def action_page_down(self) -> None:
        self._rows.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self._rows.scroll_page_up(animate=False)
