"""The lossless export (`export --format json`): every record of the desk, every field, in a document that
`import` restores whole into another desk. Deterministic: complaints by id, each kind of record in the
desk's order, no time of the export inside; exporting a restored desk gives the same bytes."""

from __future__ import annotations

import base64
import json
from typing import Any

from console.collector import paused
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
    """The desk as one document; the files that came with mail under "attachments", base64 by their
    digest (each once, however many mails brought it)."""
    records = every_record(store)
    files = {attachment.digest: attachment for bundle in records for attachment in bundle.attachments()}
    return {
        "format": FORMAT,
        "version": VERSION,
        "complaints": [complaint_document(bundle) for bundle in records],
        "attachments": {
            digest: base64.b64encode(store.attachment_bytes(files[digest])).decode("ascii") for digest in sorted(files)
        },
    }


def export_desk(store: Store) -> str:
    with paused():  # many records and no cycles among them: the collector would only walk them again and again
        return json_escaped(json.dumps(desk_document(store), ensure_ascii=False, indent=1)) + "\n"
