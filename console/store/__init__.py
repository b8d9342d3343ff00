"""The desk's data: records and the store that keeps them. Nothing outside this package touches TinyDB."""

from console.store.drafts import DraftsSetAside
from console.store.errors import (
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreOpenToAll,
    StoreTooNew,
    StoreUnavailable,
    StoreUnsafe,
    UnknownComplaint,
)
from console.store.index import InboxIndex
from console.store.records import (
    CHANNELS,
    PRIORITIES,
    STATUSES,
    Attachment,
    Change,
    Complaint,
    CustomerMessage,
    Delivery,
    Draft,
    ImportResult,
    Note,
    Reply,
    Summary,
    Tick,
    new_note_id,
    new_reply_id,
)
from console.store.tinystore import Store

__all__ = [
    "CHANNELS",
    "PRIORITIES",
    "STATUSES",
    "Attachment",
    "Change",
    "Complaint",
    "CustomerMessage",
    "Delivery",
    "Draft",
    "DraftsSetAside",
    "ImportResult",
    "InboxIndex",
    "Note",
    "Reply",
    "Store",
    "StoreCorrupt",
    "StoreError",
    "StoreLocked",
    "StoreOpenToAll",
    "StoreTooNew",
    "StoreUnavailable",
    "StoreUnsafe",
    "Summary",
    "Tick",
    "UnknownComplaint",
    "new_note_id",
    "new_reply_id",
]
