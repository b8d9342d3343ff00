"""From older layouts to the current one (schema 5), using the store's own API.

- Schema 1 (the first release: everything in one `desk.json`): the old file is read, checked and placed
  in the current layout with its notes and history; only once everything is written is it renamed to
  `desk.v1.json` (kept, never deleted). Killed part way, it starts again from the old file.
- Schema 2 (the sharded layout with each shard's history inside its TinyDB file): shard by shard, the
  history table is written out as the shard's history log, the notes are given ids, and only then is the
  shard written again without its history. Each step replaces a whole file atomically and can be done
  twice, so a migration killed part way starts again and finishes; nothing is removed before its new
  home is durable.
- Schema 3 (before replies): nothing to move; the replies logs begin with the first reply. Each shard's
  inbox file is made again with the column of first replies (derived data, so a kill part way only means
  doing it again), and the schema says 4: an older agent-console would not know a journal or a backup
  that names a replies log, so it refuses the desk with one line instead.

- Schema 4 (before mail): nothing to move either; the follow-ups logs, the Message-ID index and the
  attachments begin with the first mail. The inbox files are made again with the column of restarted
  clocks, and the schema says 5, so an older agent-console, which would leave the new files out of its
  backups and miss a restarted clock, refuses the desk.

While a migration is under way `store.json` already says the current schema (with `migrating`), so an older
agent-console sharing the desk refuses it with one line rather than writing the old layout into it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.store.atomic import fsync_directory, make_folder
from console.store.documents import read_change, read_complaint, read_note
from console.store.errors import StoreCorrupt
from console.store.files import parse_log, parse_tables, read_bytes, write_log
from console.store.layout import DATA_FOLDERS, SCHEMA_VERSION, V1_FILE
from console.store.records import Change, Complaint, Note

if TYPE_CHECKING:
    from console.store.tinystore import Store

V1_BACKUP = "desk.v1.json"
NOTE_IDS = uuid.UUID("5b0f3c8e-6f1e-4c53-9d0a-6a1f0c2e7d41")
"""The namespace of the ids given to notes written before notes had ids: the same note, the same id."""


def migrate(store: Store) -> None:
    """Bring the desk in `store.directory` to the current schema. Holds the lock throughout; what the
    desk needs is looked at again under it (another process may have migrated it meanwhile)."""
    with store.transaction() as transaction:
        meta = transaction.meta()
        migrating = meta.get("migrating")
        if (not meta and (store.directory / V1_FILE).exists()) or migrating in (True, 1):
            _from_v1(store)
        elif meta.get("schema") in (2, 3, 4) or migrating in (2, 3, 4):
            if meta.get("schema") in (2, 3, 4):
                _set_meta(store, schema=SCHEMA_VERSION, migrating=meta["schema"])
            if meta.get("schema") == 2 or migrating == 2:
                _from_v2(store)
            _renew_inbox_files(store)
        _set_meta(store, migrating=False)


def _set_meta(store: Store, **values: Any) -> None:
    with store.transaction() as transaction:
        transaction.set_meta(**values)


def _v1_complaint(source: Path, document: dict[str, Any]) -> Complaint:
    values: dict[str, Any] = {**Complaint._field_defaults, "ticks": {}}  # the first release left defaults out
    values.update((key, value) for key, value in document.items() if key != "doc_id")
    return read_complaint(source, values, values)


def _from_v1(store: Store) -> None:
    """Place a schema-1 desk in the current layout (under the lock the caller holds)."""
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
    complaints = [_v1_complaint(source, d) for d in tables.get("complaints", {}).values()]
    notes: list[Note] = [read_note(source, d) for d in tables.get("notes", {}).values()]
    changes: list[Change] = [read_change(source, d) for d in tables.get("history", {}).values()]
    known = {complaint.id for complaint in complaints}

    # Start from nothing: whatever a killed migration wrote is made again.
    for folder in DATA_FOLDERS:
        shutil.rmtree(store.directory / folder, ignore_errors=True)
        make_folder(store.directory / folder, store.folder_mode)
    store.layout.meta.unlink(missing_ok=True)
    _set_meta(store, schema=SCHEMA_VERSION, placed=0, importing=False, migrating=1)
    complaints.sort(key=lambda complaint: complaint.received)
    store.add_complaints(complaints, [note for note in notes if note.complaint_id in known])
    store.add_history(change for change in changes if change.complaint_id in known)
    if source.name == V1_FILE:
        os.replace(source, store.directory / V1_BACKUP)
        fsync_directory(store.directory)


def _from_v2(store: Store) -> None:
    """Move each shard's history into its log and give old notes ids (under the lock the caller holds)."""
    layout = store.layout
    for folder in ("history",):
        make_folder(store.directory / folder, store.folder_mode)
    for number in layout.shard_numbers():
        raw = read_bytes(layout.notes(number))
        if raw is not None:
            entries, _tail = parse_log(layout.notes(number), raw)
            if not all(isinstance(entry.get("id"), str) for entry in entries):
                given = [{"id": _old_note_id(number, line, entry), **entry} for line, entry in enumerate(entries)]
                write_log(layout.notes(number), given, store.mode)
        shard = layout.shard(number)
        raw = read_bytes(shard)
        tables = {} if raw is None else parse_tables(shard, raw)
        if "history" not in tables:
            continue  # done before a kill, or never had any
        history = [tables["history"][key] for key in sorted(tables["history"], key=int)]
        write_log(layout.history(number), history, store.mode)
        with store.transaction() as transaction:
            transaction.database(shard).drop_table("history")


def _renew_inbox_files(store: Store) -> None:
    """Each shard's inbox file made again from its shard, in the current columns (under the caller's lock)."""
    for number in store.layout.shard_numbers():
        store.renew_inbox_file(number)


def _old_note_id(number: int, line: int, entry: dict[str, Any]) -> str:
    where = f"{number}:{line}:{entry.get('complaint_id')}:{entry.get('at')}"
    return str(entry["id"]) if isinstance(entry.get("id"), str) else uuid.uuid5(NOTE_IDS, where).hex


def old_file(directory: Path) -> Path | None:
    """The first release's file, kept after the migration, if it is there."""
    path = directory / V1_BACKUP
    return path if path.exists() else None
