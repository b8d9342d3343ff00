"""The desk's data: records and the store that keeps them. Nothing outside `tinystore` touches TinyDB."""

from console.store.records import (
    CHANNELS,
    PRIORITIES,
    STATUSES,
    Change,
    Complaint,
    ImportResult,
    Note,
    Tick,
)
from console.store.tinystore import (
    Store,
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreTooNew,
    StoreUnavailable,
    UnknownComplaint,
)

__all__ = [
    "CHANNELS",
    "PRIORITIES",
    "STATUSES",
    "Change",
    "Complaint",
    "ImportResult",
    "Note",
    "Store",
    "StoreCorrupt",
    "StoreError",
    "StoreLocked",
    "StoreTooNew",
    "StoreUnavailable",
    "Tick",
    "UnknownComplaint",
]
