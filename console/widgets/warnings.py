"""Under the editor: the harmful phrases found in the text, each with where it is, why it hurts and a
better phrasing. The flagged words are in reverse video and underlined, as in the text above."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.widgets.reply_area import MARK


@dataclass(frozen=True)
class WarningView:
    where: str
    """`line:column`, both from 1."""
    words: str
    kind: str
    advice: str
    better: str
    """The suggestion, with its label ("Better: …")."""


class WarningsPanel(VerticalScroll, can_focus=False):
    """One Static holding every warning: typing moves their `line:column` at each keystroke, and one update
    is a fraction of the cost of one widget per warning (benchmarks/reply_typing.py)."""

    DEFAULT_CSS = """
    WarningsPanel { height: 9; padding: 0 1; border-top: hkey $warning 60%; }
    WarningsPanel.-clean { height: 2; border-top: hkey $panel-lighten-2; color: $text-muted; }
    WarningsPanel > Static { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: tuple[tuple[WarningView, ...], int | None, str] | None = None
        """What the panel shows: the same again (a key typed after the last phrase) redraws nothing."""

    def compose(self) -> ComposeResult:
        yield Static()

    def show(self, warnings: list[WarningView], current: int | None, clean_text: str) -> None:
        shown = (tuple(warnings), current, clean_text)
        if shown == self.shown:
            return
        self.shown = shown
        self.set_class(not warnings, "-clean")
        texts = [_text(warning, number == current) for number, warning in enumerate(warnings)]
        self.query_one(Static).update(Text("\n").join(texts) if texts else Text(clean_text))
        if current is not None:
            width = max(self.scrollable_content_region.width, 1)
            above = sum(len(text.wrap(self.app.console, width)) for text in texts[:current])
            self.call_after_refresh(self.scroll_to, y=above, animate=False)


def _text(warning: WarningView, current: bool) -> Text:
    text = Text("› " if current else "⚠ ", style="bold")
    text.append(f"{warning.where} ")
    text.append(warning.words, style=MARK)
    text.append(f" {warning.kind}: ", style="bold")
    text.append(warning.advice)
    text.append("\n  " + warning.better)
    return text
