"""`h`: who changed what on a complaint, and when, oldest first."""

from __future__ import annotations

from textual.binding import Binding

from console.i18n import N_, _
from console.screens.table_dialog import TableDialog


class HistoryScreen(TableDialog):
    BINDINGS = [Binding("h", "close", N_("Close"), show=False)]

    def __init__(self, title: str, entries: list[tuple[str, str, str]]) -> None:
        """`entries`: (when, who, what), already formatted and made inert."""
        super().__init__(title, entries, _("Esc or h closes the history."), empty_text=_("No changes yet."))
