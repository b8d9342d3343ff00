"""`?`: every key of the screen underneath, in the current language."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.i18n import N_, _
from console.keys import KeyHelp, TranslatedBindings


class HelpScreen(TranslatedBindings, ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", N_("Close"), show=True),
        Binding("j,down", "scroll_down", N_("Down"), show=False),
        Binding("k,up", "scroll_up", N_("Up"), show=False),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen VerticalScroll { height: auto; max-height: 100%; }
    HelpScreen .hint { color: $text-muted; }
    """

    def __init__(self, title: str, keys: list[KeyHelp]) -> None:
        super().__init__()
        self.title_text = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for entry in self.keys:
            table.add_row(Text(entry.keys), Text(entry.description))
        with Vertical():
            yield Static(Text(self.title_text, style="bold"))
            with VerticalScroll(id="help-keys"):
                yield Static(table)
            yield Static(Text(_("Esc, q or ? closes this help.")), classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#help-keys", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#help-keys", VerticalScroll).scroll_up()
