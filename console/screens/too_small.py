"""Shown over everything while the terminal is below the smallest usable size; only quitting works."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from console.i18n import N_, _

MIN_WIDTH = 40
MIN_HEIGHT = 12


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(ModalScreen[None]):
    BINDINGS = [Binding("q,ctrl+q", "app.quit", N_("Quit"), show=False)]

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; }
    TooSmallScreen Static { width: 100%; content-align: center middle; text-style: bold; }
    """

    def compose(self) -> ComposeResult:
        yield Static()

    def on_resize(self, event: events.Resize) -> None:
        message = _(
            "The terminal is too small: {width}×{height}. agent-console needs at least {min_width}×{min_height}."
        )
        text = message.format(
            width=event.size.width, height=event.size.height, min_width=MIN_WIDTH, min_height=MIN_HEIGHT
        )
        self.query_one(Static).update(Text(text))
