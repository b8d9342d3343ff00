"""The desk's data: records and the store that keeps them. Nothing outside this package touches TinyDB."""

from console.store.errors import (
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreTooNew,
    StoreUnavailable,
    UnknownComplaint,
)
from console.store.index import InboxIndex
from console.store.records import (
    CHANNELS,
    PRIORITIES,
    STATUSES,
    Change,
    Complaint,
    ImportResult,
    Note,
    Summary,
    Tick,
    new_note_id,
)
from console.store.tinystore import Store

__all__ = [
    "CHANNELS",
    "PRIORITIES",
    "STATUSES",
    "Change",
    "Complaint",
    "ImportResult",
    "InboxIndex",
    "Note",
    "Store",
    "StoreCorrupt",
    "StoreError",
    "StoreLocked",
    "StoreTooNew",
    "StoreUnavailable",
    "Summary",
    "Tick",
    "UnknownComplaint",
    "new_note_id",
]
