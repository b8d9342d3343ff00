"""The conversation about a complaint, oldest first: the customer's messages (each with the files that came
with it, numbered), the replies sent to the customer and the internal notes. Replies and notes are told
apart by their label ("Reply (hr) · …" or "Note (internal) · …") as well as by their look, so the difference
survives without colour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.keys import SCROLL_BINDINGS

EntryKind = Literal["message", "customer", "reply", "note", "draft"]


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    label: str
    """Who and when, already in words: "Reply (hr) · Maija · 4.12. 10:12"."""
    text: str
    """Made inert already (safe_text.clean)."""
    attachments: tuple[str, ...] = ()
    """The files that came with a customer's message, one line each ("1. invoice.pdf · application/pdf ·
    12 kB"), made inert already."""


class Conversation(VerticalScroll, inherit_bindings=False):
    BINDINGS = SCROLL_BINDINGS

    DEFAULT_CSS = """
    Conversation > Static { height: auto; margin-bottom: 1; }
    Conversation > .customer { border-left: thick $accent; padding-left: 1; }
    Conversation > .reply { border-left: thick $success; padding-left: 1; }
    Conversation > .note { border-left: dashed $warning; padding-left: 1; color: $text-muted; }
    Conversation > .draft { border-left: dashed $panel-lighten-3; padding-left: 1; color: $text-muted; }
    """

    def show(self, entries: list[Entry], scroll_to_end: bool) -> None:
        self.remove_children()
        widgets = []
        for entry in entries:
            text = Text()
            style = {"message": "bold", "customer": "bold", "reply": "bold underline", "note": "italic",
                     "draft": "italic"}[entry.kind]  # fmt: skip
            text.append(entry.label, style=style)
            text.append("\n" + entry.text)
            for line in entry.attachments:
                text.append("\n" + line, style="dim")
            widgets.append(Static(text, classes=entry.kind))
        self.mount_all(widgets)
        if scroll_to_end:
            self.call_after_refresh(self.scroll_end, animate=False)
