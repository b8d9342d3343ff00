"""The desk written out for people (tables, text) and for programs (JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from rich.cells import cell_len, set_cell_size

from console import labels
from console.attachments import attachment_line, by_message
from console.i18n import _, current_language, format_moment, language_in_ui
from console.playbooks import Playbooks
from console.response_clock import DEFAULT_TARGETS, first_response_due, is_overdue
from console.safe_text import clean, clean_line, json_escaped, spreadsheet_cell
from console.store import Change, Complaint, CustomerMessage, Note, Reply, Store
from console.store.records import utc_now

EXPORT_FORMATS = ("json", "csv", "mbox")
"""`export`'s: json is the lossless document (console/desk_export.py), mbox the conversations as mail
(console/mbox_export.py), csv a row per complaint from here."""
CSV_COLUMNS = (
    "id",
    "received",
    "customer_name",
    "customer_email",
    "customer_phone",
    "channel",
    "language",
    "subject",
    "body",
    "kind",
    "priority",
    "status",
    "assignee",
    "playbook",
    "steps_done",
    "steps_total",
    "notes",
    "replies",
    "first_response_due",
    "first_response_at",
    "overdue",
)


def complaint_json(
    complaint: Complaint,
    notes: Sequence[Note] | None,
    playbooks: Playbooks,
    replies: Sequence[Reply] | None = None,
    now: datetime | None = None,
    targets: Mapping[str, timedelta] = DEFAULT_TARGETS,
) -> dict[str, Any]:
    """A complaint with its playbook's steps (done, by, at), its first-response clock as of `now`, and, if
    given, its notes and replies."""
    playbook = playbooks.get(complaint.playbook, complaint.kind)
    steps = []
    for step in playbook.steps:
        tick = complaint.tick(playbook.id, step.id)
        steps.append(
            {
                "id": step.id,
                "title": step.title("en"),
                "done": tick is not None,
                "by": tick.by if tick else None,
                "at": tick.at.isoformat() if tick else None,
            }
        )
    record: dict[str, Any] = {
        "id": complaint.id,
        "received": complaint.received.isoformat(),
        "customer_name": complaint.customer_name,
        "customer_email": complaint.customer_email,
        "customer_phone": complaint.customer_phone,
        "channel": complaint.channel,
        "language": complaint.language,
        "subject": complaint.subject,
        "body": complaint.body,
        "kind": complaint.kind,
        "priority": complaint.priority,
        "status": complaint.status,
        "assignee": complaint.assignee,
        "playbook": playbook.id,
        "steps": steps,
        **clock_json(complaint, now or utc_now(), targets),
    }
    if notes is not None:
        record["notes"] = [{"text": n.text, "author": n.author, "at": n.at.isoformat()} for n in notes]
    if replies is not None:
        record["replies"] = [
            {"text": r.text, "language": r.language, "author": r.author, "at": r.at.isoformat()} for r in replies
        ]
    return record


def mail_json(complaint: Complaint, messages: Sequence[CustomerMessage]) -> dict[str, Any]:
    """What `show --format json` adds for mail: the Message-ID, the attachments as numbered for
    `attachment ID N`, and the customer's later messages (each naming its attachments' numbers)."""
    grouped = by_message(complaint, messages)
    return {
        "message_id": complaint.message_id,
        "attachments": [{"number": n, **a._asdict()} for _message, files in grouped for n, a in files],
        "customer_messages": [
            {
                "id": message.id, "at": message.at.isoformat(), "subject": message.subject, "text": message.text,
                "attachments": [number for number, _attachment in files],
            }
            for message, files in grouped
            if message is not None
        ],
    }  # fmt: skip


def clock_json(complaint: Complaint, now: datetime, targets: Mapping[str, timedelta]) -> dict[str, Any]:
    """The first-response clock of a complaint (console/response_clock.py): when the first reply is or was
    due, when it came (null: not yet), and whether it is overdue at `now`."""
    due = first_response_due(complaint.clock_start, complaint.priority, targets)
    first = complaint.first_response_at
    return {
        "first_response_due": due.isoformat(),
        "first_response_at": first.isoformat() if first else None,
        "overdue": is_overdue(complaint.status, first, due, now),
    }


def to_json(value: Any) -> str:
    return json_escaped(json.dumps(value, ensure_ascii=False, indent=2)) + "\n"


def export_complaints(
    store: Store,
    playbooks: Playbooks,
    complaints: Sequence[Complaint],
    format: str,
    with_notes: bool = True,
    now: datetime | None = None,
    targets: Mapping[str, timedelta] = DEFAULT_TARGETS,
) -> str:
    """Every complaint in `format`; `with_notes`: with their notes and replies (`export`), else without
    (`list`)."""
    notes = store.notes_by_complaint() if with_notes else {}
    replies = store.replies_by_complaint() if with_notes else {}
    moment = now or utc_now()
    records = [
        complaint_json(
            complaint,
            notes.get(complaint.id, []) if with_notes else None,
            playbooks,
            replies.get(complaint.id, []) if with_notes else None,
            moment,
            targets,
        )
        for complaint in complaints
    ]
    if format == "json":
        return to_json(records)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        cells = {name: spreadsheet_cell(value) if isinstance(value, str) else value for name, value in record.items()}
        writer.writerow(
            {
                **cells,
                "steps_done": sum(1 for step in record["steps"] if step["done"]),
                "steps_total": len(record["steps"]),
                "notes": len(record.get("notes", [])),
                "replies": len(record.get("replies", [])),
            }
        )
    return buffer.getvalue()


def _progress(complaint: Complaint, playbooks: Playbooks) -> str:
    playbook = playbooks.get(complaint.playbook, complaint.kind)
    return f"{complaint.done_count(playbook.id, playbook.step_ids())}/{len(playbook.steps)}"


def _cell(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def list_table(complaints: Sequence[Complaint], playbooks: Playbooks, width: int) -> str:
    """A plain-text table that fits `width` columns; untrusted text made inert."""
    header = ("ID", _("Received"), _("Status"), _("Priority"), _("Steps"), _("Customer"), _("Subject"))
    rows = [
        (
            clean_line(c.id),
            format_moment(c.received, width="short"),
            labels.status(c.status),
            labels.priority(c.priority),
            _progress(c, playbooks),
            clean_line(c.customer_name),
            clean_line(c.subject),
        )
        for c in complaints
    ]
    widths = [max(cell_len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    widths[5] = min(widths[5], 20)
    widths[6] = max(width - sum(widths[:6]) - 2 * 6, 10)
    lines = ["  ".join(_cell(value, widths[i]) for i, value in enumerate(row)).rstrip() for row in [header, *rows]]
    return "\n".join(lines) + "\n"


def show_text(
    complaint: Complaint,
    notes: Sequence[Note],
    history: Sequence[Change],
    playbooks: Playbooks,
    replies: Sequence[Reply] = (),
    messages: Sequence[CustomerMessage] = (),
) -> str:
    language = current_language()
    grouped = by_message(complaint, messages)
    first_files = next(files for message, files in grouped if message is None)
    playbook = playbooks.get(complaint.playbook, complaint.kind)
    assignee = clean_line(complaint.assignee) if complaint.assignee else _("nobody")
    lines = [
        f"{clean_line(complaint.id)}  {clean_line(complaint.subject)}",
        f"{clean_line(complaint.customer_name)} <{clean_line(complaint.customer_email)}>"
        + (f" {clean_line(complaint.customer_phone)}" if complaint.customer_phone else ""),
        f"{labels.channel(complaint.channel)} · {format_moment(complaint.received)} · "
        f"{language_in_ui(complaint.language)}",
        _("Status: {status} · Priority: {priority} · Assigned: {agent}").format(
            status=labels.status(complaint.status), priority=labels.priority(complaint.priority), agent=assignee
        ),
        "",
        clean(complaint.body),
        *(attachment_line(*numbered) for numbered in first_files),
        "",
        f"{playbook.title(language)} · {_progress(complaint, playbooks)}",
    ]
    for number, step in enumerate(playbook.steps, start=1):
        tick = complaint.tick(playbook.id, step.id)
        mark = "[x]" if tick else "[ ]"
        done = f"  ({clean_line(tick.by)}, {format_moment(tick.at)})" if tick else ""
        lines.append(f"{mark} {number}. {step.title(language)}{done}")
    lines.append("")
    for note in notes:
        lines.append(f"{clean_line(note.author)} · {format_moment(note.at)}")
        lines.extend("    " + line for line in clean(note.text).splitlines())
    if messages:
        lines.extend(["", _("Later messages from the customer")])
    for message, files in grouped:
        if message is not None:
            subject = clean_line(message.subject)
            lines.append(f"{format_moment(message.at)} · {subject}" if subject else format_moment(message.at))
            lines.extend("    " + line for line in clean(message.text).splitlines())
            lines.extend("    " + attachment_line(*numbered) for numbered in files)
    if replies:
        lines.extend(["", _("Replies to the customer")])
    for reply in replies:
        lines.append(f"{clean_line(reply.author)} · {format_moment(reply.at)} · {language_in_ui(reply.language)}")
        lines.extend("    " + line for line in clean(reply.text).splitlines())
    if history:
        lines.extend(["", _("History of {id}").format(id=clean_line(complaint.id))])
        for change in history:
            when = format_moment(change.at)
            lines.append(f"{when}  {clean_line(change.by)}  {labels.change(change, playbooks, language)}")
    return "\n".join(lines) + "\n"
