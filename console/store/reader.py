"""Reading a desk: what a reader needs, without the lock. Each file is replaced whole, so a reader sees it
old or new, never half written; files read for many records are parsed again only when their stat changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tinydb import Query
from tinydb.table import Table

from console.collector import paused
from console.store.atomic import file_mode, make_data_dir
from console.store.deliveries import SendState, deliveries_by_complaint, deliveries_of, send_states
from console.store.documents import (
    checked_summary,
    complaint_record,
    parse_routes,
    read_change,
    read_note,
    record,
    recorded_length,
)
from console.store.errors import StoreCorrupt, StoreOpenToAll, UnknownComplaint
from console.store.files import AppendOnlyStorage, parse_json, parse_tables, read_bytes, unavailable
from console.store.index import InboxIndex, encode_shard, well_formed
from console.store.layout import CHANGES_FILE, FileKey, Layout, bucket_of, file_key
from console.store.mail import attachment_bytes, customer_messages_by_complaint, customer_messages_of, known_message_ids
from console.store.records import Attachment, Change, Complaint, CustomerMessage, Delivery, Note, Reply
from console.store.replies import logged_by_complaint, replies_by_complaint, replies_of


class DeskReader:
    """A desk's data in one directory, read: records returned are snapshots. `Store` adds the changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        try:
            make_data_dir(self.directory)
            open_to_all = self.directory.stat().st_mode & 0o002
        except OSError as error:
            raise unavailable(self.directory, error) from None
        if open_to_all:  # anyone on the machine could plant links in it
            raise StoreOpenToAll(self.directory)
        self.layout = Layout(self.directory)
        self.path = self.layout.meta
        self.mode = file_mode(self.directory)
        self._cache: dict[Path, tuple[FileKey, Any]] = {}
        self._logs: dict[Path, tuple[tuple[FileKey | None, int | None], AppendOnlyStorage]] = {}
        self._routes: dict[str, int] = {}

    def _meta(self) -> dict[str, Any] | None:
        tables = self._parsed(self.layout.meta, parse_tables)
        if tables is None:
            return None
        rows = list(tables.get("meta", {}).values())
        return rows[0] if rows else None

    def _parsed(self, path: Path, parse: Callable[[Path, bytes], Any], cached: bool = True) -> Any:
        """The file parsed, or None when it does not exist. With `cached`, parsed again only when its
        stat changed: for bulk reads (the inbox) and files that only grow (routes, logs). A single
        complaint is always read afresh: two replacements within one clock tick can look alike."""
        if not cached:
            raw = read_bytes(path)
            return None if raw is None else parse(path, raw)
        key = file_key(path)
        if key is None:
            self._cache.pop(path, None)
            return None
        hit = self._cache.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        raw = read_bytes(path)
        if raw is None:
            return None
        value = parse(path, raw)
        self._cache[path] = (key, value)
        return value

    # Finding complaints

    def _route_of(self, complaint_id: str) -> int | None:
        """The shard the routes give for `complaint_id`, or None."""
        number = self._routes.get(complaint_id)
        if number is not None:
            return number
        routes = self._parsed(self.layout.route(bucket_of(complaint_id)), parse_routes) or {}
        number = routes.get(complaint_id)
        if isinstance(number, int) and not isinstance(number, bool):
            self._routes[complaint_id] = number
            return number
        return None

    def shard_of(self, complaint_id: str) -> int:
        number = self._route_of(complaint_id)
        if number is not None:
            return number
        if (self._meta() or {}).get("importing"):  # routes may lag behind shards: look in every shard
            for number in self.layout.shard_numbers():
                if any(document.get("id") == complaint_id for document in self._shard_documents(number)):
                    return number
        raise UnknownComplaint(complaint_id)

    def _shard_documents(self, number: int, cached: bool = False) -> list[dict[str, Any]]:
        tables = self._parsed(self.layout.shard(number), parse_tables, cached) or {}
        return list(tables.get("complaints", {}).values())

    def _state(self, complaint_id: str) -> tuple[int, dict[str, Any]]:
        number = self.shard_of(complaint_id)
        for document in self._shard_documents(number):
            if document.get("id") == complaint_id:
                return number, document
        raise UnknownComplaint(complaint_id)

    def _message(self, number: int, complaint_id: str) -> dict[str, Any] | None:
        tables = self._parsed(self.layout.messages(number), parse_tables, cached=False) or {}
        return next((m for m in tables.get("messages", {}).values() if m.get("id") == complaint_id), None)

    # Reading

    def stamp(self) -> object:
        """Changes whenever anyone writes the desk: one stat, cheap enough to poll every second."""
        return file_key(self.directory / CHANGES_FILE)

    def complaint(self, complaint_id: str) -> Complaint:
        number, document = self._state(complaint_id)
        path = self.layout.shard(number)
        complaint: Complaint = record(path, complaint_record, document, self._message(number, complaint_id))
        return complaint

    def complaints(self) -> list[Complaint]:
        """Every complaint with its message, newest first (for exports: the inbox uses `inbox`)."""
        complaints: list[Complaint] = []
        for number in self.layout.shard_numbers():
            tables = self._parsed(self.layout.messages(number), parse_tables) or {}
            messages = {m.get("id"): m for m in tables.get("messages", {}).values()}
            path = self.layout.shard(number)
            complaints.extend(
                record(path, complaint_record, document, messages.get(document.get("id")))
                for document in self._shard_documents(number)
            )
        complaints.sort(key=lambda complaint: complaint.received, reverse=True)
        return complaints

    def inbox(self, progress: Callable[[int, int], None] = lambda _done, _total: None) -> InboxIndex:
        """What the inbox needs of every complaint, by column. A shard whose file is damaged is left out
        and named in `damaged`; the rest of the desk still shows. `progress` hears of each shard read."""
        index = InboxIndex()
        damaged: list[StoreCorrupt] = []
        with paused():  # many small objects and no cycles among them: the collector would only slow this down
            numbers = self.layout.shard_numbers()
            for done, number in enumerate(numbers, 1):
                progress(done, len(numbers))
                try:
                    index.add(self._inbox_shard(number))
                except StoreCorrupt as error:
                    damaged.append(error)
        index.damaged = tuple(damaged)
        index.seal()
        return index

    def _inbox_shard(self, number: int) -> dict[str, Any]:
        shard = self.layout.shard(number)
        source = file_key(shard)
        if source is None:
            return encode_shard(())
        try:
            encoded = self._parsed(self.layout.inbox(number), parse_json)
        except StoreCorrupt:
            encoded = None  # derived data: the shard is the truth
        if isinstance(encoded, dict) and encoded.get("source") == list(source) and well_formed(encoded):
            return encoded
        # Missing, malformed or older than its shard (a writer was killed between the two): made again.
        documents = self._shard_documents(number, cached=True)
        return encode_shard(record(shard, checked_summary, document) for document in documents)

    def log(self, name: str, number: int) -> Table:
        """A shard's log of one of LOG_TABLES as a TinyDB table to read and query: a history log as far as
        its shard records (see `Transaction.flush`). Parsed again only when the file or that length changed."""
        path = self.layout.log(name, number)
        limit = None
        if name == "history":
            limit = recorded_length(self._parsed(self.layout.shard(number), parse_tables, cached=False) or {})
        stamp = (file_key(path), limit)
        hit = self._logs.get(path)
        if hit is None or hit[0] != stamp:
            raw = read_bytes(path) or b""
            hit = self._logs[path] = (stamp, AppendOnlyStorage(path, name, self.mode, raw=raw[:limit]))
        return Table(hit[1], name, cache_size=0)

    def messages_stamp(self, number: int) -> list[int] | None:
        """The stamp of shard `number`'s messages file (None when there is none): what a body file derived
        from it is checked against (console/store/bodies.py)."""
        key = file_key(self.layout.messages(number))
        return None if key is None else list(key)

    def message_bodies(self, number: int) -> list[tuple[str, str]]:
        """(id, body) of every message of shard `number`, read afresh and not kept: 100k bodies would cost
        some 50 MB held in memory. A message without a text id or body is left out (`check` names it)."""
        tables = self._parsed(self.layout.messages(number), parse_tables, cached=False) or {}
        return [
            (message["id"], message["body"])
            for message in tables.get("messages", {}).values()
            if isinstance(message.get("id"), str) and isinstance(message.get("body"), str)
        ]

    def notes(self, complaint_id: str) -> list[Note]:
        """The complaint's notes, oldest first."""
        number = self.shard_of(complaint_id)
        path = self.layout.notes(number)
        documents = self.log("notes", number).search(Query().complaint_id == complaint_id)
        return sorted((read_note(path, document) for document in documents), key=lambda note: note.at)

    def replies(self, complaint_id: str) -> list[Reply]:
        """The complaint's replies to the customer, oldest first."""
        return replies_of(self, complaint_id)

    def customer_messages(self, complaint_id: str) -> list[CustomerMessage]:
        """The customer's later messages in the complaint's conversation, oldest first."""
        return customer_messages_of(self, complaint_id)

    def customer_messages_by_complaint(self) -> dict[str, list[CustomerMessage]]:
        """Every later message from a customer, grouped by complaint, oldest first (for an export)."""
        return customer_messages_by_complaint(self)

    def known_message_ids(self, ids: Iterable[str]) -> dict[str, str]:
        """Of these Message-IDs, those the desk knows -> the complaint each belongs to (one call per batch)."""
        return known_message_ids(self, ids)

    def attachment_bytes(self, attachment: Attachment) -> bytes:
        """The kept bytes of a mail's file, checked against its digest (StoreCorrupt: gone or different)."""
        return attachment_bytes(self, attachment)

    def replies_by_complaint(self) -> dict[str, list[Reply]]:
        """Every reply, grouped by complaint, oldest first (one pass for an export)."""
        return replies_by_complaint(self)

    def deliveries(self, complaint_id: str) -> list[Delivery]:
        """The complaint's replies sent by mail, in the order sent."""
        return deliveries_of(self, complaint_id)

    def deliveries_by_complaint(self) -> dict[str, list[Delivery]]:
        return deliveries_by_complaint(self)

    def send_states(self, complaint_id: str) -> dict[str, SendState]:
        """Where the sending of each of the complaint's replies stands (those never tried are not in it)."""
        return send_states(self, complaint_id)

    def notes_by_complaint(self) -> dict[str, list[Note]]:
        """Every note, grouped by complaint, oldest first (one pass for an export)."""
        return logged_by_complaint(self, "notes", read_note)

    def history(self, complaint_id: str) -> list[Change]:
        """The complaint's changes, oldest first."""
        number = self.shard_of(complaint_id)
        path = self.layout.history(number)
        documents = self.log("history", number).search(Query().complaint_id == complaint_id)
        return sorted((read_change(path, document) for document in documents), key=lambda change: change.at)

    def history_by_complaint(self) -> dict[str, list[Change]]:
        """Every change, grouped by complaint, oldest first (one pass for an export)."""
        return logged_by_complaint(self, "history", read_change)
