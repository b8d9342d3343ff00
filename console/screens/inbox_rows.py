"""The inbox's rows as the screen shows them: one complaint's summary formatted, the column titles and
widths, and the formatted rows kept while paging."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from rich.cells import cell_len

from console import i18n, labels
from console.i18n import _, format_age, widest_age
from console.inbox_model import InboxModel
from console.playbooks import Playbooks
from console.response_clock import DEFAULT_TARGETS
from console.safe_text import clean_line
from console.store import CHANNELS, PRIORITIES, STATUSES, Summary
from console.store.records import utc_now
from console.views import first_response_cell
from console.widgets.inbox_list import InboxRow

FOLLOW_UP_MARK = "↩ "
"""Before the subject of a complaint whose customer wrote again and awaits our answer (reopened by a follow-up),
so it stands out from new complaints, also without colour."""
KEEP_ROWS = 5000
"""At most this many formatted rows are kept (a few MB): paging through 100k formats each row once."""
PENDING_ROW = InboxRow(
    id="", shown_id="", age="", customer="", subject="…", channel="", language="", status="", status_key="",
    priority="", priority_key="", progress="",
)  # fmt: skip


def inbox_row(
    complaint: Summary, playbooks: Playbooks, now: datetime, targets: Mapping[str, timedelta] = DEFAULT_TARGETS
) -> InboxRow:
    playbook = playbooks.get(complaint.playbook, complaint.kind)
    done = complaint.done_count(playbook.id, playbook.step_ids())
    due, late = first_response_cell(
        complaint.clock_start, complaint.priority, complaint.status, complaint.first_response, now, targets
    )
    return InboxRow(
        id=complaint.id,
        shown_id=clean_line(complaint.id),
        age=format_age(complaint.received_at, now),
        customer=clean_line(complaint.customer_name),
        subject=(FOLLOW_UP_MARK if complaint.clock_from and not complaint.first_response else "")
        + clean_line(complaint.subject),
        channel=labels.channel(complaint.channel, short=True),
        language=complaint.language,
        status=labels.status(complaint.status),
        status_key=complaint.status,
        priority=labels.priority(complaint.priority),
        priority_key=complaint.priority,
        progress=f"{done}/{len(playbook.steps)}",
        assignee=clean_line(complaint.assignee or "–"),
        due=due,
        late=late,
    )


def column_titles() -> dict[str, str]:
    return {
        "shown_id": "ID",
        "age": _("Age"),
        "due": _("Due"),
        "customer": _("Customer"),
        "subject": _("Subject"),
        "channel": _("Via"),
        "language": _("Lang"),
        "status": _("Status"),
        "priority": _("Priority"),
        "progress": _("Steps"),
        "assignee": _("Agent"),
    }


def empty_text(filtered: bool, on_desk: int) -> str:
    """What the list says when it shows no row."""
    if filtered:
        return _("Nothing matches the filter.")
    if on_desk:
        return _("Nothing in this view.")
    return _("The inbox is empty. Add complaints with: agent-console import FILE (or try --demo).")


def widest_values() -> dict[str, int]:
    """The widest value of each column whose values come from a fixed set, in the language in use."""
    return {
        "age": widest_age(),
        "due": widest_age() + 1,  # "!" and how long overdue
        "status": max(cell_len(labels.status(status)) for status in STATUSES),
        "priority": max(cell_len(labels.priority(priority)) for priority in PRIORITIES),
        "channel": max(cell_len(labels.channel(channel, short=True)) for channel in CHANNELS),
    }


class FormattedRows:
    """Rows formatted for the screen, by row number of the model's index: kept while the model, the
    language and the minute (ages are in minutes at best) stay, so a filter typed in formats only rows
    not seen before."""

    def __init__(self) -> None:
        self.now = utc_now()
        self._rows: dict[int, InboxRow] = {}
        self._rows_of: tuple[object, ...] = ()

    def renew(self, model: InboxModel, now: datetime) -> None:
        """Called before the rows are shown again: the time now (the app's clock), and the kept rows if
        still right."""
        self.now = now
        rows_of = (model, i18n.current_language(), int(self.now.timestamp()) // 60)
        if rows_of != self._rows_of:
            self._rows, self._rows_of = {}, rows_of

    def row(self, model: InboxModel, position: int, playbooks: Playbooks) -> InboxRow:
        number = model.order[position]
        row = self._rows.get(number)
        if row is None:
            if len(self._rows) >= KEEP_ROWS:
                self._rows.clear()
            summary = model.index.summary(number)
            row = self._rows[number] = inbox_row(summary, playbooks, self.now, model.targets)
        return row
