"""Under the editor: the harmful phrases found in the text, each with where it is, why it hurts and a
better phrasing. The flagged words are in reverse video and underlined, as in the text above.

Typing moves every warning after the cursor (its `line:column`) at each keystroke, so the panel is drawn
with the Line API: each warning's lines are wrapped once per width and kept (`_header`, `_body`), and a
keystroke only wraps the first lines of the warnings it moved. No widget is mounted or measured."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.widgets.reply_area import MARK

MOST_LINES = 8
"""The panel grows with its warnings up to this many lines (and a border), then scrolls: at 80×24 the
editor keeps 11 lines."""
_INDENT = 2


@dataclass(frozen=True)
class WarningView:
    where: str
    """`line:column`, both from 1."""
    words: str
    kind: str
    advice: str
    better: str
    """The suggestion, with its label ("Better: …")."""


class WarningsPanel(ScrollView, can_focus=False):
    """The warnings as lines: as tall as they need up to `MOST_LINES`, and no shorter while any is left;
    its height changes when the text becomes clean or needs more lines, never because a warning moved."""

    DEFAULT_CSS = """
    WarningsPanel { height: 2; padding: 0 1; border-top: hkey $warning 60%; }
    WarningsPanel.-clean { border-top: hkey $panel-lighten-2; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: tuple[tuple[WarningView, ...], int | None, str, int] | None = None
        """What the panel shows and at which width: the same again redraws nothing."""
        self.lines: list[Strip] = []
        self.tallest = 0
        """The most lines the warnings took since the text was last clean."""

    def show(self, warnings: list[WarningView], current: int | None, clean_text: str) -> None:
        width = max(self.scrollable_content_region.width, 10)
        shown = (tuple(warnings), current, clean_text, width)
        if shown == self.shown:
            return
        self.shown = shown
        self.set_class(not warnings, "-clean")
        console = self.app.console
        lines: list[Strip] = []
        first = 0
        for number, warning in enumerate(warnings):
            if number == current:
                first = len(lines)
            lines += _header(console, warning.where, warning.words, number == current, width)
            lines += _body(console, warning.kind, warning.advice, warning.better, width)
        if not warnings:
            lines = _wrapped(console, Text(clean_text), width)
        self.lines = lines
        self.virtual_size = Size(width, len(lines))
        # While there are warnings the panel only grows: one coming and going as the agent types (or a
        # warning's first line wrapping in two) does not move the editor's lines up and down.
        self.tallest = max(self.tallest, len(lines)) if warnings else 0
        height = min(max(self.tallest, len(lines)), MOST_LINES) + 1  # and the border
        if self.styles.height is None or self.styles.height.value != height:
            self.styles.height = height
        self.refresh()
        if current is not None:
            self.scroll_to(y=first, animate=False)

    def on_resize(self) -> None:
        if self.shown is not None:
            warnings, current, clean_text, _width = self.shown
            self.show(list(warnings), current, clean_text)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        return self.lines[index].apply_style(self.rich_style).crop_extend(0, width, self.rich_style)


@lru_cache(maxsize=512)
def _header(console: Console, where: str, words: str, current: bool, width: int) -> tuple[Strip, ...]:
    """Where the words are, and the words marked as in the text: a key moves only the warnings after the
    cursor on its line, the others are drawn as before."""
    text = Text("› " if current else "⚠ ", style=Style(bold=True))
    text.append(f"{where} ")
    text.append(words, style=MARK)
    return tuple(_wrapped(console, text, width))


def _wrapped(console: Console, text: Text, width: int, indent: int = 0) -> list[Strip]:
    options = console.options.update(width=width - indent, height=None, no_wrap=False, overflow="fold")
    pad = [Segment(" " * indent)] if indent else []
    return [Strip(pad + line, width) for line in console.render_lines(text, options, pad=True)]


@lru_cache(maxsize=512)
def _body(console: Console, kind: str, advice: str, better: str, width: int) -> tuple[Strip, ...]:
    """Why a kind of phrase hurts and what to write instead, wrapped for `width` under the header: the
    same for a warning wherever it moves, so it is wrapped once."""
    text = Text(f"{kind}: ", style=Style(bold=True))
    text.append(advice)
    return tuple(_wrapped(console, text, width, _INDENT) + _wrapped(console, Text(better), width, _INDENT))
