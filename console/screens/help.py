"""`?`: every key of the screen underneath, in the current language (and in the inbox, the query language)."""

from __future__ import annotations

from textual.binding import Binding

from console.i18n import N_, _
from console.keys import KeyHelp
from console.screens.table_dialog import TableDialog


class HelpScreen(TableDialog):
    BINDINGS = [Binding("question_mark", "close", N_("Close"), show=False)]

    def __init__(self, title: str, keys: list[KeyHelp], extra: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
        """`extra` rows follow the keys (the inbox adds its query language)."""
        rows = [(entry.keys, entry.description) for entry in keys if entry.keys] + list(extra)
        super().__init__(title, rows, _("Esc, q or ? closes this help."))
        self.keys = keys
