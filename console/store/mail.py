"""Mail at the desk: the Message-ID index, the customers' later messages, and the files that came with them.

- `mailids/XX.json`: which complaint each Message-ID belongs to (a complaint's own mail, a customer's later
  message, a reply we sent), bucketed by a hash of the id (16 files) as the routes are, and written in the same
  transaction as what it names. An import asks for a whole batch at once (`known_message_ids`): each
  bucket file is parsed once and kept while its stat is unchanged.
- `followups/NNNNN.jsonl`: the customers' later messages, an append-only log per shard like the replies.
- `attachments/<digest[:2]>/<digest>`: a file's bytes, named by their SHA-256, so the same file kept twice is
  kept once; written atomically, never through a link, and checked against the name when read.

A customer's later message reopens a resolved (or waiting) complaint and restarts its first-response clock
(`clock_from`), in the same transaction that stores it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import Query

from console.response_clock import CLOCK_STOPPED
from console.store.atomic import fsync_directory, make_folder, read_regular, write_atomically
from console.store.documents import (
    attachments_document,
    attachments_record,
    change_document,
    parse_routes,
    parse_time,
    record,
)
from console.store.errors import StoreCorrupt, UnknownComplaint
from console.store.files import parse_tables, unavailable
from console.store.layout import ATTACHMENTS, bucket_of, mail_bucket
from console.store.records import Attachment, Change, Complaint, CustomerMessage, MailResult, utc_now
from console.store.replies import logged_by_complaint, logged_of, shown_time

if TYPE_CHECKING:
    from tinydb.table import Document, Table

    from console.store.reader import DeskReader
    from console.store.tinystore import Store
    from console.store.transaction import Transaction

TABLE = "followups"
"""The log of the customers' later messages (one of LOG_TABLES)."""
IDS_TABLE = "ids"
MESSAGE_FIELDS = ("id", "complaint_id", "text", "subject")


# The Message-ID index


def parse_mail_ids(path: Path, raw: bytes) -> dict[str, str]:
    """Message-ID -> complaint id of one index file; rows that are not (text, text) are left for `check`."""
    rows = parse_tables(path, raw).get(IDS_TABLE, {}).values()
    return {
        row["id"]: row["complaint"]
        for row in rows
        if isinstance(row.get("id"), str) and isinstance(row.get("complaint"), str)
    }


def known_message_ids(reader: DeskReader, ids: Iterable[str]) -> dict[str, str]:
    """Of `ids`, those the desk knows -> the complaint each belongs to. Each bucket file is read once."""
    by_bucket: dict[int, list[str]] = {}
    for message_id in ids:
        by_bucket.setdefault(mail_bucket(message_id), []).append(message_id)
    found: dict[str, str] = {}
    for bucket, wanted in by_bucket.items():
        known: dict[str, str] = reader._parsed(reader.layout.mail_ids(bucket), parse_mail_ids) or {}
        found.update((message_id, known[message_id]) for message_id in wanted if message_id in known)
    return found


class MailIndex:
    """The index files one transaction reads and adds to (loaded a bucket at a time, as needed)."""

    def __init__(self, transaction: Transaction) -> None:
        self.transaction = transaction
        self._buckets: dict[int, tuple[Table, dict[str, str]]] = {}

    def _bucket(self, message_id: str) -> tuple[Table, dict[str, str]]:
        bucket = mail_bucket(message_id)
        if bucket not in self._buckets:
            table = self.transaction.table(self.transaction.layout.mail_ids(bucket), IDS_TABLE)
            rows = {row["id"]: row["complaint"] for row in table.all() if isinstance(row.get("id"), str)}
            self._buckets[bucket] = (table, rows)
        return self._buckets[bucket]

    def get(self, message_id: str) -> str | None:
        return self._bucket(message_id)[1].get(message_id)

    def add(self, entries: Mapping[str, str]) -> None:
        """Index each Message-ID -> complaint id that is not indexed yet (a known one keeps its complaint)."""
        new: dict[int, list[dict[str, str]]] = {}
        for message_id, complaint_id in entries.items():
            if not message_id:
                continue
            rows = self._bucket(message_id)[1]
            if message_id not in rows:
                rows[message_id] = complaint_id
                new.setdefault(mail_bucket(message_id), []).append({"id": message_id, "complaint": complaint_id})
        for bucket, documents in new.items():
            self._buckets[bucket][0].insert_multiple(documents)


def index_message_ids(transaction: Transaction, entries: Mapping[str, str]) -> None:
    """Add Message-ID -> complaint id entries to the index in `transaction` (a sent reply's, say)."""
    MailIndex(transaction).add(entries)


def index_placed(transaction: Transaction) -> None:
    """After an interrupted import: the Message-ID of every stored complaint's mail is in the index."""
    store = transaction.store
    entries: dict[str, str] = {}
    for number in store.layout.shard_numbers():
        ids = {document.get("id") for document in transaction.shard(number).all()}
        for message in transaction.table(store.layout.messages(number), "messages").all():
            if message.get("id") in ids and isinstance(message.get("message_id"), str):
                entries[message["message_id"]] = message["id"]
    MailIndex(transaction).add(entries)


# The customers' later messages


def customer_message_document(message: CustomerMessage) -> dict[str, Any]:
    document = {name: getattr(message, name) for name in MESSAGE_FIELDS}
    document["at"] = message.at.astimezone(UTC).isoformat()
    if message.attachments:
        document["attachments"] = attachments_document(message.attachments)
    return document


def customer_message_fields(document: Mapping[str, Any]) -> CustomerMessage:
    if not all(isinstance(document.get(name), str) for name in MESSAGE_FIELDS):
        raise ValueError(f"a customer's message needs {', '.join(MESSAGE_FIELDS)} as text")
    return CustomerMessage(
        document["id"], document["complaint_id"], document["text"], shown_time(document["at"]),
        document["subject"], attachments_record(document.get("attachments", [])),
    )  # fmt: skip


def read_customer_message(path: Path, document: Mapping[str, Any]) -> CustomerMessage:
    return record(path, customer_message_fields, document)  # type: ignore[no-any-return]


def customer_messages_of(reader: DeskReader, complaint_id: str) -> list[CustomerMessage]:
    """The complaint's later messages from the customer, oldest first."""
    return logged_of(reader, TABLE, read_customer_message, complaint_id)


def customer_messages_by_complaint(reader: DeskReader) -> dict[str, list[CustomerMessage]]:
    """Every later message from a customer, grouped by complaint, oldest first (one pass for an export)."""
    return logged_by_complaint(reader, TABLE, read_customer_message)


# Adding mail


def add_mail(store: Store, complaints: Sequence[Complaint], messages: Sequence[CustomerMessage], by: str) -> MailResult:
    """Store mail in one transaction (see `Store.add_mail`): new complaints first (a message may answer
    one of them), then the customers' later messages, each joined to its complaint's conversation."""
    with store.transaction() as transaction:
        index = MailIndex(transaction)
        fresh, present = _fresh_complaints(store, transaction, index, complaints)
        joining: dict[str, list[CustomerMessage]] = {}
        seen: set[str] = set()
        for message in messages:
            if message.id and (message.id in seen or index.get(message.id) is not None):
                present += 1
                continue
            seen.add(message.id)
            joining.setdefault(message.complaint_id, []).append(message)
        placed = {complaint.id for complaint in fresh}
        for complaint_id in joining.keys() - placed:
            store.shard_of(complaint_id)  # UnknownComplaint before anything is written
        if fresh:
            index.add({complaint.message_id: complaint.id for complaint in fresh})
            store._place(transaction, fresh, [])
        reopened = _join_all(store, transaction, index, joining, by)
    return MailResult(len(fresh), sum(map(len, joining.values())), present, tuple(reopened))


def _fresh_complaints(
    store: Store, transaction: Transaction, index: MailIndex, complaints: Sequence[Complaint]
) -> tuple[list[Complaint], int]:
    """The complaints to add (an id taken by another mail's complaint given a suffix: "-2", "-3" …) and how
    many are stored already (their Message-ID is known, or, without one, their id)."""
    fresh: list[Complaint] = []
    mail_ids: set[str] = set()
    present = 0
    unknown = []
    for complaint in complaints:
        if complaint.message_id and (complaint.message_id in mail_ids or index.get(complaint.message_id)):
            present += 1
            continue
        mail_ids.add(complaint.message_id)
        unknown.append(complaint)
    routed = _routed(store, [complaint.id for complaint in unknown])
    taken: set[str] = set()
    for complaint in unknown:
        candidate, suffix = complaint.id, 1
        while candidate in taken or candidate in routed:
            if candidate in taken and not complaint.message_id:
                candidate = ""  # the same complaint twice in the batch
                break
            stored = None if candidate in taken else _stored_message_id(store, transaction, candidate)
            if stored is not None and (stored == complaint.message_id or not complaint.message_id):
                candidate = ""  # this very mail (its index entry lost), or a complaint not from mail
                break
            suffix += 1
            candidate = f"{complaint.id}-{suffix}"
            routed |= _routed(store, [candidate])
        if not candidate:
            present += 1
            continue
        taken.add(candidate)
        fresh.append(complaint._replace(id=candidate))
    return fresh, present


def _routed(store: Store, complaint_ids: list[str]) -> set[str]:
    """Those of `complaint_ids` the desk holds (under the lock the routes are complete): each routes file
    looked at once, however many ids it has to answer for."""
    by_bucket: dict[int, list[str]] = {}
    for complaint_id in complaint_ids:
        by_bucket.setdefault(bucket_of(complaint_id), []).append(complaint_id)
    found: set[str] = set()
    for bucket, ids in by_bucket.items():
        routes: dict[str, int] = store._parsed(store.layout.route(bucket), parse_routes) or {}
        found.update(complaint_id for complaint_id in ids if complaint_id in routes)
    return found


def _stored_message_id(store: Store, transaction: Transaction, complaint_id: str) -> str:
    """The Message-ID of the stored complaint `complaint_id` ("" when it came otherwise)."""
    number = store.shard_of(complaint_id)
    message = transaction.table(store.layout.messages(number), "messages").get(Query().id == complaint_id)
    value = "" if message is None else message.get("message_id", "")
    return value if isinstance(value, str) else ""


def _join_all(
    store: Store, transaction: Transaction, index: MailIndex, joining: dict[str, list[CustomerMessage]], by: str
) -> list[str]:
    """Append each complaint's new messages from the customer, a shard at a time (its complaints looked up
    and its logs added to once, however many of them are joined); the complaints they reopened."""
    index.add({message.id: complaint_id for complaint_id, messages in joining.items() for message in messages})
    by_shard: dict[int, list[str]] = {}
    for complaint_id in joining:
        by_shard.setdefault(store.shard_of(complaint_id), []).append(complaint_id)
    reopened: list[str] = []
    for number, complaint_ids in by_shard.items():
        table = transaction.shard(number)
        documents = {document.get("id"): document for document in table.all()}
        missing = next((complaint_id for complaint_id in complaint_ids if complaint_id not in documents), None)
        if missing is not None:
            raise UnknownComplaint(missing)
        added = [message for complaint_id in complaint_ids for message in joining[complaint_id]]
        transaction.log(TABLE, number).insert_multiple(map(customer_message_document, added))
        changes = []
        for complaint_id in complaint_ids:
            change = _joined(table, documents[complaint_id], joining[complaint_id], by)
            if change is not None:
                changes.append(change_document(change))
                reopened.append(complaint_id)
        if changes:
            transaction.history(number).insert_multiple(changes)
    return reopened


def _joined(table: Table, document: Document, messages: list[CustomerMessage], by: str) -> Change | None:
    """A complaint's state after its new messages from the customer; the change of status when they reopened
    it. A message the agents answered after (an old mail imported late) is only added to the conversation;
    any other restarts the clock (from the earliest such message, if a reply was owed already) and reopens a
    resolved or waiting complaint."""
    status = document.get("status")
    first = document.get("first_response_at")
    answered = None if first is None else parse_time(first)
    owed = answered is None and status not in CLOCK_STOPPED
    changes: dict[str, Any] = {}
    for message in sorted(messages, key=lambda message: message.at):
        if answered is not None and answered >= message.at:
            continue
        if not owed:
            changes.update(clock_from=message.at.astimezone(UTC).isoformat(), first_response_at=None)
            owed = True
            answered = None
        if status in CLOCK_STOPPED:
            changes["status"] = "open"
    if not changes:
        return None
    table.update(changes, doc_ids=[document.doc_id])
    if "status" not in changes:
        return None
    return Change(document["id"], "status", status, "open", by, utc_now())


# Attachments


_DIGEST = re.compile("[0-9a-f]{64}")


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keep_attachment(store: Store, data: bytes) -> str:
    """Keep a file's bytes under their digest (once per content) and return the digest. Written atomically
    into folders that are checked to be folders (a link planted for one is refused, never followed); a
    link, fifo or damaged copy at the file's own path is refused or replaced, never written through."""
    digest = digest_of(data)
    path = store.layout.attachment(digest)
    try:
        for folder in (path.parent.parent, path.parent):
            if make_folder(folder, store.folder_mode):  # made now: its name is an entry of its parent
                fsync_directory(folder.parent)
        if _kept_already(path, digest):
            return digest
        write_atomically(path, data, store.mode)
    except OSError as error:
        raise unavailable(path, error) from None
    return digest


def _kept_already(path: Path, digest: str) -> bool:
    """Whether `path` holds these bytes; a link or special file there is refused (UnsafeFile)."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(status.st_mode):
        read_regular(path)  # raises UnsafeFile, naming it
    return digest_of(read_regular(path)) == digest


def attachment_bytes(reader: DeskReader, attachment: Attachment) -> bytes:
    """The kept bytes of `attachment`, checked against its digest: StoreCorrupt when gone or different."""
    if not _DIGEST.fullmatch(attachment.digest):  # a record edited by hand names a path: never read it
        raise StoreCorrupt(reader.layout.directory / ATTACHMENTS, f"{attachment.digest!r} is not a SHA-256 digest")
    path = reader.layout.attachment(attachment.digest)
    try:
        data = read_regular(path)
    except FileNotFoundError:
        raise StoreCorrupt(path, "the attachment is missing") from None
    except OSError as error:
        raise unavailable(path, error) from None
    if digest_of(data) != attachment.digest:
        raise StoreCorrupt(path, "the attachment's bytes do not match its digest")
    return data


def attachment_files(directory: Path) -> list[Path]:
    """Every entry under `attachments/`, two levels down, in order (for `check` and `backup`); the folder
    itself when it is not a folder (a link planted for it is named, never followed)."""
    root = directory / ATTACHMENTS
    try:
        if not stat.S_ISDIR(os.lstat(root).st_mode):
            return [root]
    except FileNotFoundError:
        return []
    found: list[Path] = []
    for folder in sorted(os.scandir(root), key=lambda entry: entry.name):
        found.append(Path(folder.path))
        if folder.is_dir(follow_symlinks=False):
            found.extend(Path(entry.path) for entry in sorted(os.scandir(folder.path), key=lambda e: e.name))
    return found
