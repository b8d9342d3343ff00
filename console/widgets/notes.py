"""The complaint's notes, oldest first, each with its author and time; text shown literally."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.keys import SCROLL_BINDINGS


@dataclass(frozen=True)
class NoteView:
    author: str
    at: str
    text: str


class NotesPane(VerticalScroll, inherit_bindings=False):
    BINDINGS = SCROLL_BINDINGS

    DEFAULT_CSS = """
    NotesPane > .note { margin-bottom: 0; }
    NotesPane > .empty { color: $text-muted; }
    """

    def show(self, notes: list[NoteView], empty_text: str) -> None:
        self.remove_children()
        if not notes:
            self.mount(Static(Text(empty_text), classes="empty"))
            return
        widgets = []
        for note in notes:
            text = Text()
            text.append(f"{note.author} · {note.at}", style="bold")
            text.append("\n" + note.text)
            widgets.append(Static(text, classes="note"))
        self.mount_all(widgets)
        self.call_after_refresh(self.scroll_end, animate=False)
