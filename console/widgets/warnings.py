"""Under the editor: the harmful phrases found in the text, each with where it is, why it hurts and a
better phrasing. The flagged words are in reverse video and underlined, as in the text above."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
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
    DEFAULT_CSS = """
    WarningsPanel { height: auto; max-height: 9; padding: 0 1; border-top: hkey $warning 60%; }
    WarningsPanel.-clean { border-top: hkey $panel-lighten-2; color: $text-muted; }
    WarningsPanel > Static { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: tuple[tuple[WarningView, ...], int | None, str] | None = None
        """What the panel shows: the same again (a key typed after the last phrase) redraws nothing."""

    def show(self, warnings: list[WarningView], current: int | None, clean_text: str) -> None:
        shown = (tuple(warnings), current, clean_text)
        if shown == self.shown:
            return
        self.shown = shown
        self.set_class(not warnings, "-clean")
        texts = [_text(warning, number == current) for number, warning in enumerate(warnings)] or [Text(clean_text)]
        items = list(self.query_children(Static))
        if len(items) == len(texts):  # as many as before: only their words change
            for item, text in zip(items, texts, strict=True):
                item.update(text)
        else:
            self.remove_children()
            items = [Static(text) for text in texts]
            self.mount_all(items)
        if current is not None:
            self.call_after_refresh(self.scroll_to_widget, items[current], animate=False)


def _text(warning: WarningView, current: bool) -> Text:
    text = Text("› " if current else "⚠ ", style="bold")
    text.append(f"{warning.where} ")
    text.append(warning.words, style=MARK)
    text.append(f" {warning.kind}: ", style="bold")
    text.append(warning.advice)
    text.append("\n  " + warning.better)
    return text
