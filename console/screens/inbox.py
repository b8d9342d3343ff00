"""The inbox: every complaint a row, newest open first, with a live text filter."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input, Static

from console import labels
from console.i18n import N_, _, format_age, format_count, ngettext
from console.playbooks import Playbooks
from console.safe_text import clean_line
from console.screens.desk import DeskScreen
from console.store import STATUSES, StoreError, Summary
from console.store.records import utc_now
from console.widgets.inbox_list import InboxList, InboxRow


def fold(text: str) -> str:
    """Lower-case text without diacritics, so `cokolada` finds `čokolada`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def searchable(complaint: Summary) -> str:
    """The complaint's text as the inbox has it (id, customer, subject, agent), folded once per reload."""
    parts = (complaint.id, complaint.customer_name, complaint.subject, complaint.assignee or "")
    return fold(" ".join((*parts, complaint.status, complaint.priority)))


def matches(complaint: Summary, text: str, words: list[str]) -> bool:
    """Every word is in the complaint's text or in its status, priority or channel as the row shows them,
    so "urgent" or "odottaa" find what the agent sees."""
    if not words:
        return True
    shown = fold(
        " ".join(
            (labels.status(complaint.status), labels.priority(complaint.priority), labels.channel(complaint.channel))
        )
    )
    return all(word in text or word in shown for word in words)


def inbox_order(complaints: Iterable[Summary]) -> list[Summary]:
    """Open first, then waiting, then resolved; newest first within each."""
    rank = {status: index for index, status in enumerate(STATUSES)}
    by_age = sorted(complaints, key=lambda complaint: complaint.received, reverse=True)
    return sorted(by_age, key=lambda complaint: rank.get(complaint.status, len(rank)))


def inbox_row(complaint: Summary, playbooks: Playbooks, now: datetime) -> InboxRow:
    playbook = playbooks.get(complaint.playbook, complaint.kind)
    done = complaint.done_count(playbook.id, playbook.step_ids())
    return InboxRow(
        id=complaint.id,
        shown_id=clean_line(complaint.id),
        age=format_age(complaint.received_at, now),
        customer=clean_line(complaint.customer_name),
        subject=clean_line(complaint.subject),
        channel=labels.channel(complaint.channel, short=True),
        language=complaint.language,
        status=labels.status(complaint.status),
        status_key=complaint.status,
        priority=labels.priority(complaint.priority),
        priority_key=complaint.priority,
        progress=f"{done}/{len(playbook.steps)}",
        assignee=clean_line(complaint.assignee or "–"),
    )


def column_titles() -> dict[str, str]:
    return {
        "shown_id": "ID",
        "age": _("Age"),
        "customer": _("Customer"),
        "subject": _("Subject"),
        "channel": _("Via"),
        "language": _("Lang"),
        "status": _("Status"),
        "priority": _("Priority"),
        "progress": _("Steps"),
        "assignee": _("Agent"),
    }


class InboxScreen(DeskScreen):
    BINDINGS = [
        Binding("slash", "filter", N_("Filter"), show=True),
        Binding("escape", "clear_filter", N_("Clear filter"), show=False),
        Binding("n", "note", N_("Note"), show=False),
    ]

    DEFAULT_CSS = """
    InboxScreen #inbox-title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    InboxScreen #filter { display: none; height: 1; border: none; padding: 0 1; }
    InboxScreen #filter.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__(id="inbox")
        self._complaints: list[Summary] = []
        self._searchable: dict[str, str] = {}
        self._filter = ""
        self._reported: set[Path] = set()
        """Damaged files already named to the agent: once is enough, every poll would be noise."""

    def compose(self) -> ComposeResult:
        yield Static(id="inbox-title")
        yield Input(id="filter", placeholder=_("Filter: words to find"))
        yield InboxList(id="inbox-list")
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one(InboxList).focus()

    def on_screen_resume(self) -> None:
        """Also sent when the inbox is first shown, and whenever a complaint screen closes: the cursor
        stays on its row, so after resolving a complaint the next one is under it."""
        self.reload(keep_position=True)

    @property
    def inbox(self) -> InboxList:
        return self.query_one(InboxList)

    def current_complaint_id(self) -> str | None:
        return self.inbox.current_id

    def reload(self, keep_position: bool = False) -> None:
        try:
            inbox = self.desk.store.inbox()
        except StoreError as error:
            self.notify(labels.store_error(error), severity="error", timeout=10)
        else:
            self._complaints = inbox_order(inbox.summaries())
            self._searchable = {complaint.id: searchable(complaint) for complaint in self._complaints}
            for damage in inbox.damaged:
                if damage.path not in self._reported:
                    self._reported.add(damage.path)
                    self.notify(labels.store_error(damage), severity="error", timeout=15)
        self._render_rows(keep_position)

    def _render_rows(self, keep_position: bool = False) -> None:
        words = fold(self._filter).split()
        shown = [c for c in self._complaints if matches(c, self._searchable.get(c.id, ""), words)]
        now = utc_now()
        rows = [inbox_row(complaint, self.desk.playbooks, now) for complaint in shown]
        inbox = self.inbox
        inbox.empty_text = (
            _("Nothing matches the filter.")
            if words
            else _("The inbox is empty. Add complaints with: agent-console import FILE (or try --demo).")
        )
        inbox.show(rows, column_titles(), keep_id=None if keep_position else inbox.current_id)
        total = len(self._complaints)
        open_count = sum(1 for complaint in self._complaints if complaint.status == "open")
        counts = {
            "complaints": ngettext("{count} complaint", "{count} complaints", total).format(count=format_count(total)),
            "open": ngettext("{count} open", "{count} open", open_count).format(count=format_count(open_count)),
            "shown": ngettext("{count} shown", "{count} shown", len(rows)).format(count=format_count(len(rows))),
        }
        title = _("Inbox — {complaints} · {open} · {shown}") if words else _("Inbox — {complaints} · {open}")
        self.query_one("#inbox-title", Static).update(Text(title.format(**counts)))
        self.query_one("#filter", Input).placeholder = _("Filter: words to find")

    @on(InboxList.Selected)
    def open_complaint(self, event: InboxList.Selected) -> None:
        self.desk.open_complaint(event.complaint_id)

    def action_note(self) -> None:
        if self.inbox.current_id is not None:
            self.desk.open_complaint(self.inbox.current_id, write_note=True)

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.add_class("shown")
        field.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self._filter = event.value
        self._render_rows()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.inbox.focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        if field.has_focus and field.value:
            self.inbox.focus()
            return
        field.value = ""
        field.remove_class("shown")
        self._filter = ""
        self._render_rows()
        self.inbox.focus()
