"""Where each part of a desk lives (see `tinystore` for the layout), and the names and limits its files
share."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from console.store.files import unavailable

SCHEMA_VERSION = 5
SHARD_SIZE = 256
ROUTE_BUCKETS = 64
META_FILE = "store.json"
LOCK_FILE = ".desk.lock"
CHANGES_FILE = ".changes"
CHANGES_LIMIT = 1 << 20
V1_FILE = "desk.json"
LOCK_TIMEOUT_SECONDS = 10.0
IMPORT_BATCH = 1024
"""Complaints stored per transaction by an import: well under a second of the lock (four shards, their
messages and inbox files, the routes)."""
LOG_TABLES = ("notes", "history", "replies", "deliveries", "followups")
"""The append-only tables, one log per shard in a folder of the table's name: a third is one more name."""
MAIL_IDS = "mailids"
"""The Message-ID index: which complaint each Message-ID belongs to, bucketed by a hash of the id."""
ATTACHMENTS = "attachments"
"""The files that came with mail, one per content: attachments/<digest[:2]>/<digest> (not a data folder of
TinyDB files: `check`, `backup` and `restore` know it by name)."""
DATA_FOLDERS = ("shards", "messages", "routes", MAIL_IDS, *LOG_TABLES)
HISTORY_LENGTH = "lengths"
"""The shard's table that records how long its history log is (see `Transaction.flush`)."""
STATE_FIELDS = ("id", "received", "customer_name", "channel", "language", "subject", "kind", "priority", "status")
MESSAGE_FIELDS = ("body", "customer_email", "customer_phone")
CUSTOMER_FIELDS = ("received", "customer_name", "channel", "language", "subject")
"""What the customer sent: an import that brings other values for a known id is reported, never applied."""
TEXT_FIELDS = ("id", "customer_name", "language", "subject", "kind")

FileKey = tuple[int, int, int]
"""A file's (mtime, size, inode): changed whenever the file is replaced or grows."""


def stat_key(status: os.stat_result) -> FileKey:
    return status.st_mtime_ns, status.st_size, status.st_ino


def file_key(path: Path) -> FileKey | None:
    try:
        return stat_key(path.stat())
    except FileNotFoundError:
        return None
    except OSError as error:
        raise unavailable(path, error) from None


def bucket_of(complaint_id: str) -> int:
    return zlib.crc32(complaint_id.encode("utf-8")) % ROUTE_BUCKETS


MAIL_ID_BUCKETS = 16
"""Files of the Message-ID index. Fewer than the routes': a batch of mail touches every one of them (the ids
are hashes), and each is rewritten whole; at 100k complaints one is some 400 KB."""


def mail_bucket(message_id: str) -> int:
    return zlib.crc32(message_id.encode("utf-8")) % MAIL_ID_BUCKETS


class Layout:
    """Where each part of a desk lives."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def meta(self) -> Path:
        return self.directory / META_FILE

    def shard(self, number: int) -> Path:
        return self.directory / "shards" / f"{number:05d}.json"

    def inbox(self, number: int) -> Path:
        return self.directory / "shards" / f"{number:05d}.inbox.json"

    def messages(self, number: int) -> Path:
        return self.directory / "messages" / f"{number:05d}.json"

    def log(self, table: str, number: int) -> Path:
        """The log of one of LOG_TABLES for a shard."""
        return self.directory / table / f"{number:05d}.jsonl"

    def notes(self, number: int) -> Path:
        return self.log("notes", number)

    def history(self, number: int) -> Path:
        return self.log("history", number)

    def route(self, bucket: int) -> Path:
        return self.directory / "routes" / f"{bucket:02x}.json"

    def mail_ids(self, bucket: int) -> Path:
        """The Message-ID index's file for `bucket` (see `mail_bucket`)."""
        return self.directory / MAIL_IDS / f"{bucket:02x}.json"

    def attachment(self, digest: str) -> Path:
        return self.directory / ATTACHMENTS / digest[:2] / digest

    def shard_numbers(self) -> list[int]:
        """The shards present on disk, in order."""
        return self.numbers("shards", ".json")

    def numbers(self, folder: str, suffix: str) -> list[int]:
        """The numbers of the files NNNNN`suffix` present in `folder`, in order."""
        try:
            names = os.listdir(self.directory / folder)
        except FileNotFoundError:
            return []
        except OSError as error:
            raise unavailable(self.directory / folder, error) from None
        numbers = []
        for name in names:
            stem, dot, rest = name.partition(".")
            if dot + rest == suffix and stem.isdigit():
                numbers.append(int(stem))
        return sorted(numbers)
