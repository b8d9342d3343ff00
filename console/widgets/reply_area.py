"""The text of a reply or note being written: Textual's TextArea, soft-wrapped, with the harmful phrases
marked in place (reverse video and underline, which stay without colour)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import TextArea

MARK = Style(reverse=True, underline=True)


def line_spans(text: str, spans: Sequence[tuple[int, int]]) -> dict[int, list[tuple[int, int]]]:
    """Character ranges of `text` (end exclusive) as (column, column) ranges per line: a phrase broken
    over a line end is marked on both lines."""
    starts = [0]
    for index, character in enumerate(text):
        if character == "\n":
            starts.append(index + 1)
    by_line: dict[int, list[tuple[int, int]]] = {}
    for start, end in spans:
        first, last = bisect_right(starts, start) - 1, bisect_right(starts, max(start, end - 1)) - 1
        for row in range(first, last + 1):
            line_end = starts[row + 1] - 1 if row + 1 < len(starts) else len(text)
            begin = start - starts[row] if row == first else 0
            finish = end - starts[row] if row == last else line_end - starts[row]
            by_line.setdefault(row, []).append((begin, finish))
    return by_line


def location(text: str, offset: int) -> tuple[int, int]:
    """(row, column) of a character offset, both from 0."""
    before = text[:offset]
    row = before.count("\n")
    return row, offset - (before.rfind("\n") + 1)


class ReplyArea(TextArea):
    """Enter is a new line (TextArea's own); tab leaves for the next pane. `get_line` is the TextArea's
    public hook for styling its lines: the marks are applied there."""

    BINDINGS = [Binding("f6", "screen.send", show=False)]
    """f6 is the editor's other Send key (where ctrl+t is taken), not TextArea's "select line". Bound here, so it
    comes in turn after the keys typed before it (a priority binding on the screen overtook them)."""

    DEFAULT_CSS = """
    ReplyArea { height: 1fr; border: none; padding: 0 1; }
    ReplyArea:focus { border: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(soft_wrap=True, tab_behavior="focus", id=id)
        self.marked: dict[int, list[tuple[int, int]]] = {}
        """Marked column ranges by line."""

    def mark(self, spans: Sequence[tuple[int, int]]) -> None:
        """Mark these character ranges of the current text (replacing the marks before)."""
        marked = line_spans(self.text, spans)
        if marked == self.marked:
            return
        self.marked = marked
        self.notify_style_update()  # the public way to drop the TextArea's cache of drawn lines
        self.refresh()

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        for start, end in self.marked.get(line_index, ()):
            line.stylize(MARK, start, end)
        return line
