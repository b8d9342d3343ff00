"""A desk's records whole, by complaint: read for a lossless export, and written back into a desk as they
were (ticks, history and times not stamped anew), all in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console.store.deliveries import TABLE as DELIVERIES
from console.store.deliveries import SendClaim, delivery_document
from console.store.documents import change_document, message_document, note_document, state_document
from console.store.layout import SCHEMA_VERSION, SHARD_SIZE, bucket_of
from console.store.mail import TABLE as FOLLOWUPS
from console.store.mail import MailIndex, customer_message_document
from console.store.records import Attachment, Change, Complaint, CustomerMessage, Delivery, Note, Reply
from console.store.replies import reply_document

if TYPE_CHECKING:
    from console.store.reader import DeskReader
    from console.store.tinystore import Store
    from console.store.transaction import Transaction


class ComplaintRecords(NamedTuple):
    """A complaint and everything kept about it. Each field after `complaint` is a list of records whose
    `complaint_id` is the complaint's: a kind of record added here is exported and restored with it."""

    complaint: Complaint
    notes: tuple[Note, ...] = ()
    replies: tuple[Reply, ...] = ()
    history: tuple[Change, ...] = ()
    customer_messages: tuple[CustomerMessage, ...] = ()
    deliveries: tuple[Delivery, ...] = ()
    """The replies sent by mail (a try that failed is not carried: it may simply be tried again)."""

    def attachments(self) -> list[Attachment]:
        """The files of the complaint's mail and of the customer's later messages."""
        return [*self.complaint.attachments, *(a for message in self.customer_messages for a in message.attachments)]

    def message_ids(self) -> list[str]:
        """The Message-IDs of the conversation's mails: the complaint's (if it came by mail), the customer's
        later ones and those of the replies sent."""
        mails = (
            self.complaint.message_id,
            *(m.id for m in self.customer_messages),
            *(d.message_id for d in self.deliveries),
        )
        return [message_id for message_id in mails if message_id]


class RestoreResult(NamedTuple):
    restored: int
    skipped: tuple[str, ...]
    """Ids the desk holds already: those complaints were left as stored, nothing of the file's added."""


def every_record(desk: DeskReader) -> list[ComplaintRecords]:
    """Every complaint with its records, by id; each kind of record oldest first, as the desk gives it."""
    notes, replies, history = desk.notes_by_complaint(), desk.replies_by_complaint(), desk.history_by_complaint()
    messages, sent = desk.customer_messages_by_complaint(), desk.deliveries_by_complaint()
    return [
        ComplaintRecords(
            complaint,
            tuple(notes.get(complaint.id, ())),
            tuple(replies.get(complaint.id, ())),
            tuple(history.get(complaint.id, ())),
            tuple(messages.get(complaint.id, ())),
            tuple(sent.get(complaint.id, ())),
        )
        for complaint in sorted(desk.complaints(), key=lambda complaint: complaint.id)
    ]


def restore_records(
    store: Store, records: Sequence[ComplaintRecords], attachments: Sequence[bytes] = ()
) -> RestoreResult:
    """Write `records` into the desk in one transaction (all or nothing, through the journal), the files
    of their mail (`attachments`) kept first; a complaint whose id, or one of whose mails, the desk holds
    is skipped with all its records and named in the result."""
    for data in attachments:  # kept once per content: a failed restore leaves only unreferenced copies
        store.keep_attachment(data)
    with store.transaction() as transaction:
        present: list[str] = []
        fresh_ids = {c.id for c in store._sort_known([r.complaint for r in records], present, [])}
        index = MailIndex(transaction)
        for r in records:
            if r.complaint.id in fresh_ids and any(index.get(message_id) for message_id in r.message_ids()):
                fresh_ids.discard(r.complaint.id)
                present.append(r.complaint.id)
        fresh = [r for r in records if r.complaint.id in fresh_ids]
        if fresh:
            shard_of = _place(store, transaction, fresh)
            index.add({message_id: r.complaint.id for r in fresh for message_id in r.message_ids()})
    if fresh:
        store._routes.update(shard_of)
    return RestoreResult(len(fresh), tuple(present))


def _place(store: Store, transaction: Transaction, records: list[ComplaintRecords]) -> dict[str, int]:
    meta = transaction.table(store.layout.meta, "meta")
    placed = int(transaction.meta().get("placed", 0))
    if meta.all():
        meta.update({"placed": placed + len(records)})
    else:
        meta.insert({"schema": SCHEMA_VERSION, "placed": len(records), "importing": False})
    shard_of = {r.complaint.id: (placed + offset) // SHARD_SIZE for offset, r in enumerate(records)}
    by_shard: dict[int, list[ComplaintRecords]] = {}
    by_bucket: dict[int, list[str]] = {}
    for r in records:
        by_shard.setdefault(shard_of[r.complaint.id], []).append(r)
        by_bucket.setdefault(bucket_of(r.complaint.id), []).append(r.complaint.id)
    for number, group in by_shard.items():  # a table written once per batch: inserting one by one is n²
        complaints = [r.complaint for r in group]
        transaction.table(store.layout.messages(number), "messages").insert_multiple(map(message_document, complaints))
        transaction.shard(number).insert_multiple(map(state_document, complaints))
        transaction.log("notes", number).insert_multiple(note_document(n) for r in group for n in r.notes)
        transaction.log("replies", number).insert_multiple(reply_document(p) for r in group for p in r.replies)
        transaction.history(number).insert_multiple(change_document(c) for r in group for c in r.history)
        transaction.log(FOLLOWUPS, number).insert_multiple(
            customer_message_document(m) for r in group for m in r.customer_messages
        )
        transaction.log(DELIVERIES, number).insert_multiple(_sent(d) for r in group for d in r.deliveries)
    for bucket, ids in by_bucket.items():
        routes = transaction.table(store.layout.route(bucket), "routes")
        routes.insert_multiple({"id": complaint_id, "shard": shard_of[complaint_id]} for complaint_id in ids)
    return shard_of


def _sent(delivery: Delivery) -> dict[str, object]:
    """A delivery's log entry: its try's one step, "sent" (who sent it is not part of a Delivery)."""
    attempt = f"restored-{delivery.reply_id}"
    claim = SendClaim(delivery.reply_id, delivery.complaint_id, delivery.message_id, "", attempt, -1, Path())
    return delivery_document(claim, "sent", delivery.at, via=delivery.via)
