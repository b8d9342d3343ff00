"""The bundled demo desk: sample complaints copied into a fresh temporary directory, times made recent."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from console.importing import complaint_from_record
from console.playbooks import Playbooks
from console.resources import data_dir
from console.store import Complaint, Note, Store, Tick
from console.store.records import utc_now

DEMO_AGENT = "mari"
_NEWEST_AGE = timedelta(minutes=4)


def _demo_complaint(record: dict[str, Any], shift: timedelta, playbooks: Playbooks) -> Complaint:
    complaint = complaint_from_record(record, playbooks.kinds())
    playbook = playbooks.for_kind(complaint.kind)
    by = record.get("assignee") or DEMO_AGENT
    received = complaint.received + shift
    ticks = {}
    for number, step in enumerate(record.get("done", []), start=1):
        if step not in playbook.step_ids():
            raise ValueError(f"demo complaint {complaint.id}: {playbook.id} has no step {step!r}")
        at = received + timedelta(minutes=7 * number)
        ticks[Complaint.tick_key(playbook.id, step)] = Tick(playbook.id, step, by, at)
    return complaint._replace(
        received=received,
        status=record.get("status", "open"),
        assignee=record.get("assignee"),
        playbook=playbook.id,
        ticks=MappingProxyType(ticks),
    )


def create_demo_desk(playbooks: Playbooks, directory: Path) -> Path:
    """Fill `directory` (a fresh one: the real desk is never touched) with the demo complaints."""
    records: list[dict[str, Any]] = json.loads((data_dir() / "demo" / "complaints.json").read_text("utf-8"))
    newest = max(datetime.fromisoformat(record["received"]) for record in records)
    shift = utc_now() - _NEWEST_AGE - newest
    complaints = [_demo_complaint(record, shift, playbooks) for record in records]
    notes = [
        Note(record["id"], note["author"], datetime.fromisoformat(note["at"]) + shift, note["text"])
        for record in records
        for note in record.get("notes", [])
    ]
    Store(directory).add_complaints(complaints, notes)
    return directory
