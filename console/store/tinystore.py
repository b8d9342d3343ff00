"""The only module that works with TinyDB tables: a desk in one data directory, made to scale and to be
shared.

Layout (schema 5), every TinyDB file written whole and atomically, every log append-only:

    store.json               meta: schema version, complaints placed so far, an import under way
    shards/NNNNN.json        up to 256 complaints: status, priority, assignee, playbook, ticks
    shards/NNNNN.inbox.json  the same shard as the inbox needs it, derived, stamped with the shard it
                             was made from (a stale one is rebuilt from the shard, never trusted)
    messages/NNNNN.json      what the customers wrote (body, e-mail, phone): written once, at import
    notes/NNNNN.jsonl        the shard's notes, a TinyDB table on an AppendOnlyStorage
    history/NNNNN.jsonl      the shard's history (every change: old, new, who, when), likewise
    replies/NNNNN.jsonl      the shard's replies to customers, likewise (see `replies`)
    deliveries/NNNNN.jsonl   the tries at sending those replies by mail, likewise (see `deliveries`)
    drafts/AGENT.json        each agent's unsaved replies and notes (see `drafts`; not the desk's data)
    routes/XX.json           which shard holds a complaint id, by a hash of the id
    followups/NNNNN.jsonl    the customers' later messages (mail answering ours), likewise (see `mail`)
    mailids/XX.json          which complaint a Message-ID belongs to, by a hash of the id (see `mail`)
    attachments/XX/DIGEST    the files that came with mail, one per content (see `mail`)
    journal                  while a change of several files is written: what they held (see `journal`)
    presence/                who has which complaint open (see `presence`)

A change touches one shard and appends to its logs, so its cost grows neither with the desk nor with the
history. Every change is one transaction under the directory's lock; readers never take the lock, and
see each file either old or new, whole.

This module holds the changes (`Store`); beside it: `reader` (reading, without the lock), `transaction`
(one change's files, written all or nothing), `documents` (stored documents to records and back) and
`layout` (where each file lives).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from tinydb import Query

from console.store import deliveries, mail
from console.store.atomic import UnsafeFile, make_folder, open_regular, remove_orphans, write_atomically
from console.store.documents import (
    change_document,
    checked_summary,
    differs,
    message_document,
    note_document,
    parse_routes,
    read_note,
    state_document,
)
from console.store.drafts import Drafts
from console.store.errors import StoreError, StoreTooNew
from console.store.files import dump_json, parse_tables, read_bytes, unavailable
from console.store.index import encode_shard
from console.store.journal import Journal
from console.store.layout import (
    CHANGES_FILE,
    CHANGES_LIMIT,
    DATA_FOLDERS,
    IMPORT_BATCH,
    LOCK_FILE,
    LOCK_TIMEOUT_SECONDS,
    LOG_TABLES,
    SCHEMA_VERSION,
    SHARD_SIZE,
    V1_FILE,
    Layout,
    bucket_of,
    file_key,
)
from console.store.lock import POLL_SECONDS, DeskLock
from console.store.reader import DeskReader
from console.store.records import (
    FIELDS_WITH_HISTORY,
    Change,
    Complaint,
    CustomerMessage,
    Delivery,
    Draft,
    ImportResult,
    MailResult,
    Note,
    Reply,
    new_note_id,
    next_in_cycle,
    utc_now,
)
from console.store.replies import add_reply
from console.store.restore_records import ComplaintRecords, RestoreResult, restore_records
from console.store.transaction import Transaction

__all__ = ["DATA_FOLDERS", "LOG_TABLES", "SCHEMA_VERSION", "Layout", "Store", "Transaction"]

T = TypeVar("T")


def grouped_by_id(notes: Iterable[Note], wanted: set[str]) -> dict[str, list[Note]]:
    grouped: dict[str, list[Note]] = {}
    for note in notes:
        if note.complaint_id in wanted:
            grouped.setdefault(note.complaint_id, []).append(note)
    return grouped


def grouped(items: Iterable[T], key: Callable[[T], int]) -> dict[int, list[T]]:
    groups: dict[int, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


class Store(DeskReader):
    """The desk's data in one directory. Every method is a whole transaction, safe to call from several
    processes at once; records returned are snapshots."""

    def __init__(self, directory: Path, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        super().__init__(directory)
        self.folder_mode = 0o2770 if self.mode & 0o060 else 0o700
        self.lock_timeout = lock_timeout
        self.journal = Journal(self.directory, self.mode, LOG_TABLES)
        self._lock = DeskLock(self.directory / LOCK_FILE, self.mode, lock_timeout)
        self.last_written: object = None
        """The desk's stamp after this Store's own last write: what others did shows as a different one."""
        self._drafts = Drafts(self.directory, self.mode, self.folder_mode)
        self._open()

    # Opening, migrating

    def _open(self) -> None:
        meta = self._meta() or {}
        version = meta.get("schema", SCHEMA_VERSION)
        old = (not meta and (self.directory / V1_FILE).exists()) or version in (2, 3, 4) or meta.get("migrating")
        if old and version in (2, 3, 4, SCHEMA_VERSION):
            from console.store.migration import migrate

            migrate(self)
            version = (self._meta() or {}).get("schema", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise StoreTooNew(self.path, version, SCHEMA_VERSION)
        if self.journal.exists():  # a change whose writer died: put back what it had written
            with self.transaction():
                pass

    # Transactions

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A change: under the lock, the files it needs are read, changed in memory and, if the body
        finishes without an exception, written back atomically."""
        with self.locked():
            try:
                for folder in DATA_FOLDERS:
                    make_folder(self.directory / folder, self.folder_mode)
                if self.journal.exists():
                    self._roll_back(self.journal)
                    self._announce_change()
                transaction = Transaction(self)
                if (self._meta() or {}).get("importing"):
                    self._finish_interrupted_import(transaction)
                yield transaction
                transaction.flush()
            except OSError as error:
                raise unavailable(getattr(error, "filename", None) or self.directory, error) from None
            if transaction.wrote:  # nothing written, nothing announced: others keep what they loaded
                self._announce_change()  # committed: nothing after this may report a failure

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The desk's lock alone: no writer is part way while it is held (what `check` needs to be sure)."""
        self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()

    def _roll_back(self, journal: Journal) -> None:
        """Put back the files of a change that did not finish (its inbox files are made again)."""
        for path in journal.roll_back():
            if path.parent.name == "shards":
                raw = read_bytes(path)
                if raw is not None:
                    self._write_inbox_file(path, parse_tables(path, raw))

    def _finish_interrupted_import(self, transaction: Transaction) -> None:
        """An import was killed part way (or failed: a full disk): complaints whose shard was written are
        in; give them routes. Messages written for complaints whose shard was not are dropped."""
        for folder in DATA_FOLDERS:
            remove_orphans(self.directory / folder)
        remove_orphans(self.directory)
        self._drop_orphan_messages(transaction)
        routes: dict[int, dict[str, int]] = {}
        for number in self.layout.shard_numbers():
            for document in transaction.shard(number).all():
                routes.setdefault(bucket_of(document["id"]), {})[document["id"]] = number
        for bucket, ids in routes.items():
            table = transaction.table(self.layout.route(bucket), "routes")
            known = {row["id"] for row in table.all()}
            table.insert_multiple({"id": cid, "shard": shard} for cid, shard in ids.items() if cid not in known)
        mail.index_placed(transaction)
        transaction.flush(lambda path: path.parent.name in ("routes", "mailids"))
        transaction.set_meta(importing=False)

    def _drop_orphan_messages(self, transaction: Transaction) -> None:
        for number in self.layout.numbers("messages", ".json"):
            path = self.layout.messages(number)
            if file_key(self.layout.shard(number)) is None:
                path.unlink(missing_ok=True)
                continue
            ids = {document.get("id") for document in transaction.shard(number).all()}
            table = transaction.table(path, "messages")
            orphans = [message.doc_id for message in table.all() if message.get("id") not in ids]
            if orphans:
                table.remove(doc_ids=orphans)

    # Announcing

    def _announce_change(self) -> None:
        """Every transaction adds a byte to the changes file, so pollers see it with one stat. It is a
        hint, not data: not fsynced, and emptied (atomically) once it is large."""
        path = self.directory / CHANGES_FILE
        try:
            key = file_key(path)
            if key is not None and key[1] >= CHANGES_LIMIT:
                write_atomically(path, b"", self.mode, durable=False)
            try:
                descriptor = open_regular(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, self.mode)
            except UnsafeFile:  # a link or fifo planted in its place: replaced (a rename never follows it)
                write_atomically(path, b"", self.mode, durable=False)
                descriptor = open_regular(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, self.mode)
            try:
                if key is None:
                    os.fchmod(descriptor, self.mode)  # the umask would take a shared desk's group bit off
                os.write(descriptor, b".")
            finally:
                os.close(descriptor)
            self.last_written = self.stamp()
        except (OSError, StoreError):
            pass  # the change is committed; others see it at the next announced one (full disk, say)

    def _write_inbox_file(self, shard: Path, tables: dict[str, Any], folders: set[Path] | None = None) -> None:
        """After a shard is written: its inbox file, stamped with the shard file it was made from. `folders`:
        see `write_atomically`."""
        encoded = encode_shard(checked_summary(document) for document in tables.get("complaints", {}).values())
        encoded["source"] = list(file_key(shard) or ())
        inbox = shard.with_name(shard.name.replace(".json", ".inbox.json"))
        try:
            write_atomically(inbox, dump_json(encoded), self.mode, folders=folders)
        except OSError as error:
            raise unavailable(inbox, error) from None

    def renew_inbox_file(self, number: int) -> None:
        """Make shard `number`'s inbox file again from the shard (a migration's new columns)."""
        path = self.layout.shard(number)
        tables = self._parsed(path, parse_tables, cached=False)
        if tables is not None:
            self._write_inbox_file(path, tables)

    # Writing

    def add_reply(
        self, complaint_id: str, text: str, language: str, author: str, reply_id: str | None = None,
        at: datetime | None = None,
    ) -> Reply:  # fmt: skip
        """Store a reply (see `replies.add_reply`: a retry with its id stores nothing twice)."""
        return add_reply(self, complaint_id, text, language, author, reply_id, at)

    def begin_sending(
        self, reply_id: str, complaint_id: str, message_id: str, by: str, again: bool = False
    ) -> deliveries.SendClaim:  # fmt: skip
        """Claim a reply's sending, or refuse (see `deliveries.begin_sending`: never sent twice)."""
        return deliveries.begin_sending(self, reply_id, complaint_id, message_id, by, again)

    def finish_sending(self, claim: deliveries.SendClaim, via: str, at: datetime) -> Delivery:
        return deliveries.finish_sending(self, claim, via, at)

    def abandon_sending(self, claim: deliveries.SendClaim, problem: str, uncertain: bool = False) -> None:
        deliveries.abandon_sending(self, claim, problem, uncertain)

    def add_mail(
        self, complaints: Sequence[Complaint], messages: Sequence[CustomerMessage], by: str = "mail"
    ) -> MailResult:
        """New complaints from mail and the customers' later messages, in one transaction (see `mail.add_mail`).
        Each call rewrites every route and index file its mail lands in: an import passes thousands at a time."""
        return mail.add_mail(self, complaints, messages, by)

    def keep_attachment(self, data: bytes) -> str:
        """Keep a file that came with mail; its digest (see `mail.keep_attachment`). Needs no lock."""
        return mail.keep_attachment(self, data)

    def drafts(self, author: str) -> dict[tuple[str, str], Draft]:
        """The agent's unsaved replies and notes by (complaint id, kind). A damaged drafts file is moved
        aside and `DraftsSetAside` raised: called again, it gives the fresh, empty drafts."""
        return self._drafts.load(author)

    def save_draft(
        self, complaint_id: str, kind: str, author: str, text: str, language: str, at: datetime | None = None
    ) -> None:
        """Keep the agent's draft (empty text forgets it). Not the desk's data: nothing is announced."""
        self._drafts.save(complaint_id, kind, author, text, language, at or utc_now())

    def add_complaints(self, complaints: Iterable[Complaint], notes: Iterable[Note] = ()) -> ImportResult:
        """Add complaints whose id is new (with their notes); known ids are skipped, and named when what
        the customer sent differs. Stored IMPORT_BATCH at a time, each batch its own transaction, so no
        other agent waits long for the lock; complaints fill shards SHARD_SIZE to a shard, in arrival
        order (an import of several batches: in arrival order within each route bucket). Known ids are
        found before the lock is taken (an id once stored stays), from the routes and shards as loaded,
        never by reading the desk again for each one."""
        unique: dict[str, Complaint] = {}
        for complaint in complaints:
            unique.setdefault(complaint.id, complaint)
        present: list[str] = []
        differing: list[str] = []
        fresh = self._sort_known(list(unique.values()), present, differing)
        if len(fresh) > IMPORT_BATCH:  # each batch then rewrites a few route files, not all 64 each time
            fresh.sort(key=lambda complaint: bucket_of(complaint.id))
        notes_of = grouped_by_id(notes, set(complaint.id for complaint in fresh))
        added = 0
        for start in range(0, len(fresh), IMPORT_BATCH):
            if start:
                time.sleep(2 * POLL_SECONDS)  # a gap in which an agent waiting for the lock gets it
            with self.transaction() as transaction:  # another import may have stored some meanwhile
                batch = self._sort_known(fresh[start : start + IMPORT_BATCH], present, differing)
                if batch:
                    self._place(transaction, batch, [note for c in batch for note in notes_of.get(c.id, ())])
                added += len(batch)
        return ImportResult(added=added, already_present=len(present), differing=tuple(differing))

    def _sort_known(self, complaints: list[Complaint], present: list[str], differing: list[str]) -> list[Complaint]:
        """The complaints whose id is not stored yet; the others go to `present`, and to `differing` when
        what the customer sent is not what is stored. Routes only: a route missing while another import
        is part way means "not yet", which the transaction asks again under the lock."""
        routes: dict[int, dict[str, int]] = {}
        for bucket in {bucket_of(complaint.id) for complaint in complaints}:  # each routes file looked at once
            routes[bucket] = self._parsed(self.layout.route(bucket), parse_routes) or {}
        shards: dict[int, dict[Any, dict[str, Any]]] = {}
        fresh = []
        for complaint in complaints:
            number = routes[bucket_of(complaint.id)].get(complaint.id)
            if not isinstance(number, int) or isinstance(number, bool):
                fresh.append(complaint)
                continue
            if number not in shards:
                shards[number] = {d.get("id"): d for d in self._shard_documents(number, cached=True)}
            present.append(complaint.id)
            if differs(shards[number].get(complaint.id), complaint):
                differing.append(complaint.id)
        return fresh

    def _place(self, transaction: Transaction, complaints: list[Complaint], notes: list[Note]) -> None:
        placed = int(transaction.meta().get("placed", 0))
        transaction.set_meta(placed=placed + len(complaints), importing=True)
        shard_of = {complaint.id: (placed + offset) // SHARD_SIZE for offset, complaint in enumerate(complaints)}
        for number, group in grouped(complaints, lambda complaint: shard_of[complaint.id]).items():
            transaction.table(self.layout.messages(number), "messages").insert_multiple(map(message_document, group))
            transaction.shard(number).insert_multiple(map(state_document, group))
        for bucket, group in grouped(complaints, lambda complaint: bucket_of(complaint.id)).items():
            routes = transaction.table(self.layout.route(bucket), "routes")
            routes.insert_multiple({"id": complaint.id, "shard": shard_of[complaint.id]} for complaint in group)
        in_order = sorted(notes, key=lambda note: note.at)
        for number, shard_notes in grouped(in_order, lambda note: shard_of[note.complaint_id]).items():
            transaction.log("notes", number).insert_multiple(
                note_document(note._replace(id=note.id or new_note_id())) for note in shard_notes
            )
        transaction.flush(journal=False)  # an import killed part way is completed instead (`importing`)
        self._routes.update(shard_of)
        transaction.set_meta(importing=False)

    def restore_records(self, records: Sequence[ComplaintRecords], attachments: Sequence[bytes] = ()) -> RestoreResult:
        """Write whole records (a lossless export's) as they were, in one transaction, with the files of
        their mail; complaints the desk holds already are skipped and named (see `restore_records`)."""
        return restore_records(self, records, attachments)

    def add_history(self, changes: Iterable[Change]) -> None:
        """Add changes made elsewhere to their complaints' history (a migration brings the old desk's)."""
        with self.transaction() as transaction:
            for number, group in grouped(changes, lambda change: self.shard_of(change.complaint_id)).items():
                in_order = sorted(group, key=lambda change: change.at)
                transaction.history(number).insert_multiple(map(change_document, in_order))

    def add_note(self, complaint_id: str, author: str, text: str, note_id: str | None = None) -> Note:
        """Add a note. `note_id` (see `new_note_id`) is made by the caller before its first try: when a
        note with that id is stored already (an earlier try did get through), nothing is added and the
        stored note is returned, so a retry after an unclear failure never stores a note twice."""
        note = Note(complaint_id, author, utc_now(), text, note_id or new_note_id())
        with self.transaction() as transaction:
            number = self.shard_of(complaint_id)
            notes = transaction.notes(number)
            stored = notes.get(Query().id == note.id)
            if stored is not None:
                return read_note(self.layout.notes(number), stored)
            notes.insert(note_document(note))
        return note

    def add_notes(self, notes: Iterable[Note]) -> None:
        """Add several new notes in one transaction (an importer's notes on the complaints it just made); a
        note without an id gets one."""
        with self.transaction() as transaction:
            for number, group in grouped(list(notes), lambda note: self.shard_of(note.complaint_id)).items():
                transaction.log("notes", number).insert_multiple(
                    note_document(note._replace(id=note.id or new_note_id()))
                    for note in sorted(group, key=lambda note: note.at)
                )

    def set_step(self, complaint_id: str, playbook: str, step: str, done: bool, by: str) -> Complaint:
        """Tick (or untick) one step of a playbook; records who and when, and keeps it as history."""
        key = Complaint.tick_key(playbook, step)
        now = utc_now()
        with self.transaction() as transaction:
            number, table, document = transaction.find(complaint_id)
            ticks = dict(document.get("ticks", {}))
            if done != (key in ticks):
                if done:
                    ticks[key] = {"playbook": playbook, "step": step, "by": by, "at": now.isoformat()}
                else:
                    del ticks[key]
                table.update({"ticks": ticks}, doc_ids=[document.doc_id])
                change = Change(complaint_id, "step", None if done else key, key if done else None, by, now)
                transaction.history(number).insert(change_document(change))
        return self.complaint(complaint_id)

    def set_field(self, complaint_id: str, field: str, value: str | None, by: str) -> Complaint:
        """Change status, priority, assignee or playbook, recording the change as history."""
        return self._set_field(complaint_id, field, lambda _old: value, by)

    def cycle_field(self, complaint_id: str, field: str, values: tuple[str, ...], by: str) -> Complaint:
        """Move status or priority to the value after the stored one. The next value is worked out inside
        the transaction, so two agents pressing `s` at once move it two steps, not one."""
        return self._set_field(complaint_id, field, lambda old: next_in_cycle(values, str(old)), by)

    def set_many(self, field: str, values: Mapping[str, str | None], by: str) -> dict[str, str | None]:
        """Set `field` of many complaints (id → new value) in one transaction, a shard written once
        however many of its complaints change; each change is history. Returns the old value of every
        complaint that changed (what an undo needs)."""
        if field not in FIELDS_WITH_HISTORY:
            raise ValueError(f"{field} cannot be changed")
        now = utc_now()
        old: dict[str, str | None] = {}
        with self.transaction() as transaction:
            for number, ids in grouped(values, self.shard_of).items():
                table = transaction.shard(number)
                wanted = set(ids)
                by_value: dict[str | None, list[int]] = {}
                changes = []
                for document in table.all():
                    complaint_id = document["id"]
                    if complaint_id in wanted and document.get(field) != values[complaint_id]:
                        old[complaint_id] = document.get(field)
                        by_value.setdefault(values[complaint_id], []).append(document.doc_id)
                        change = Change(complaint_id, field, old[complaint_id], values[complaint_id], by, now)
                        changes.append(change_document(change))
                for value, doc_ids in by_value.items():
                    table.update({field: value}, doc_ids=doc_ids)
                transaction.history(number).insert_multiple(changes)
        return old

    def _set_field(
        self, complaint_id: str, field: str, new_value: Callable[[object], str | None], by: str
    ) -> Complaint:
        if field not in FIELDS_WITH_HISTORY:
            raise ValueError(f"{field} cannot be changed")
        with self.transaction() as transaction:
            number, table, document = transaction.find(complaint_id)
            old = document.get(field)
            value = new_value(old)
            if old != value:
                table.update({field: value}, doc_ids=[document.doc_id])
                change = Change(complaint_id, field, old, value, by, utc_now())
                transaction.history(number).insert(change_document(change))
        return self.complaint(complaint_id)
