"""From the first release's layout (schema 1: everything in one `desk.json`) to the sharded one.

The old file is read, checked, and placed shard by shard; only once everything is written is it renamed
to `desk.v1.json` (kept, never deleted), and the meta file stops saying "migrating". A migration that is
killed part way is started again from the old file the next time the desk is opened.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from console.store.atomic import fsync_directory, make_folder
from console.store.errors import StoreCorrupt
from console.store.files import parse_tables, read_bytes
from console.store.records import Change, Complaint, Note, Tick

if TYPE_CHECKING:
    from console.store.tinystore import Store, Transaction

V1_BACKUP = "desk.v1.json"


def _v1_complaint(document: dict[str, Any]) -> Complaint:
    from console.store.tinystore import _checked_state, _time

    values = {key: value for key, value in document.items() if key != "doc_id"}
    values.setdefault("ticks", {})
    _checked_state(values)
    values["received"] = _time(values["received"])
    values["ticks"] = MappingProxyType(
        {k: Tick(t["playbook"], t["step"], t["by"], _time(t["at"])) for k, t in values["ticks"].items()}
    )
    return Complaint(**values)


def migrate_v1(store: Store, transaction: Transaction) -> None:
    """Move a schema-1 desk into the layout of `store`. Call within a transaction (under the lock)."""
    from console.store.tinystore import SCHEMA_VERSION, V1_FILE, _change, _change_document, _grouped, _note, record

    source = store.directory / V1_FILE
    if not source.exists():
        source = store.directory / V1_BACKUP
    raw = read_bytes(source)
    if raw is None:
        return
    tables = parse_tables(source, raw)
    version = next(iter(tables.get("meta", {}).values()), {}).get("schema", 1)
    if version != 1:
        raise StoreCorrupt(source, f"schema {version} is not the first release's layout")
    complaints = [record(source, _v1_complaint, d) for d in tables.get("complaints", {}).values()]
    notes: list[Note] = [record(source, _note, d) for d in tables.get("notes", {}).values()]
    changes: list[Change] = [record(source, _change, d) for d in tables.get("history", {}).values()]
    known = {complaint.id for complaint in complaints}
    notes = [note for note in notes if note.complaint_id in known]
    changes = [change for change in changes if change.complaint_id in known]

    # Start from nothing: whatever a killed migration wrote is made again.
    for folder in ("shards", "messages", "notes", "routes"):
        shutil.rmtree(store.directory / folder, ignore_errors=True)
        make_folder(store.directory / folder, store.folder_mode)
    store.layout.meta.unlink(missing_ok=True)
    transaction._files.clear()
    transaction.set_meta(schema=SCHEMA_VERSION, placed=0, importing=False, migrating=True)
    complaints.sort(key=lambda complaint: complaint.received)
    store._place(transaction, complaints, notes)
    for number, group in _grouped(changes, lambda change: store.shard_of(change.complaint_id)).items():
        transaction.history(number).insert_multiple(map(_change_document, sorted(group, key=lambda c: c.at)))
    transaction.flush()
    if source.name == V1_FILE:
        os.replace(source, store.directory / V1_BACKUP)
        fsync_directory(store.directory)
    transaction.set_meta(migrating=False)


def old_file(directory: Path) -> Path | None:
    """The first release's file, kept after the migration, if it is there."""
    path = directory / V1_BACKUP
    return path if path.exists() else None
