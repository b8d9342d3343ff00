"""The lossless export (`export --format json`): every record of the desk, every field, in a document that
`import` restores whole into another desk. Deterministic: complaints by id, each kind of record in the
desk's order, no time of the export inside; exporting a restored desk gives the same bytes."""

from __future__ import annotations

import json
from typing import Any

from console.record_json import to_plain
from console.safe_text import json_escaped
from console.store import Store
from console.store.restore_records import ComplaintRecords, every_record

FORMAT = "agent-console"
VERSION = 1
LISTS = ComplaintRecords._fields[1:]
"""The records kept with each complaint, each a list in the complaint's object beside its own fields."""


def complaint_document(records: ComplaintRecords) -> dict[str, Any]:
    document: dict[str, Any] = to_plain(records.complaint)
    for name in LISTS:
        document[name] = to_plain(getattr(records, name))
    return document


def desk_document(store: Store) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "complaints": [complaint_document(records) for records in every_record(store)],
    }


def export_desk(store: Store) -> str:
    return json_escaped(json.dumps(desk_document(store), ensure_ascii=False, indent=1)) + "\n"
