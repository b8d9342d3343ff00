"""`agent-console check` and `backup`: verify every file of a desk, and take a consistent snapshot of it
that `restore` puts back."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from console.store.atomic import fsync_directory, write_atomically
from console.store.errors import StoreCorrupt, StoreError, StoreUnavailable
from console.store.files import parse_json, parse_log, parse_tables, read_bytes, unavailable
from console.store.index import encode_shard
from console.store.tinystore import (
    DATA_FOLDERS,
    META_FILE,
    Store,
    _change,
    _checked_summary,
    _complaint,
    _file_key,
    _note,
    bucket_of,
    record,
    recorded_length,
)


@dataclass
class Report:
    """What `check` found: problems make it fail; notices are the harmless traces of interrupted writes,
    which the next change clears."""

    complaints: int = 0
    notes: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(store: Store) -> Report:
    """Read every file of the desk and check that its parts agree. Changes nothing."""
    report = Report()
    layout = store.layout
    meta = _tables(layout.meta, report)
    if meta is not None:
        rows = list(meta.get("meta", {}).values())
        if rows and rows[0].get("importing"):
            report.notices.append(f"{layout.meta}: an import was interrupted; the next change completes it")
    homes: dict[str, int] = {}
    unreadable: set[int] = set()  # named once; routes and notes into it are not blamed as well
    for number in layout.shard_numbers():
        shard = layout.shard(number)
        tables = _tables(shard, report)
        if tables is None:
            unreadable.add(number)
            _check_notes(store, number, None, report)
            continue
        messages = _tables(layout.messages(number), report) or {}
        message_of = {m.get("id"): m for m in messages.get("messages", {}).values()}
        for document in tables.get("complaints", {}).values():
            try:
                complaint = record(shard, _complaint, document, message_of.get(document.get("id")))
            except StoreCorrupt as error:
                report.problems.append(str(error))
                continue
            if complaint.id in homes:
                report.problems.append(f"{shard}: complaint {complaint.id!r} is also in shard {homes[complaint.id]}")
            homes[complaint.id] = number
            if complaint.id not in message_of:
                report.problems.append(f"{layout.messages(number)}: the message of {complaint.id!r} is missing")
        _check_history(store, number, homes, report, recorded_length(tables))
        inbox = layout.inbox(number)
        try:
            raw = read_bytes(inbox)
            derived = None if raw is None else parse_json(inbox, raw)
            documents = [record(shard, _checked_summary, d) for d in tables.get("complaints", {}).values()]
            expected = {**encode_shard(documents), "source": list(_file_key(shard) or ())}
            if derived != expected:
                report.notices.append(f"{inbox}: older than its shard; it is made again when read")
        except StoreError as error:
            report.notices.append(f"{error}; it is made again from its shard")
        _check_notes(store, number, homes, report)
    report.complaints = len(homes)
    for bucket in range(64):
        tables = _tables(layout.route(bucket), report)
        for row in (tables or {}).get("routes", {}).values():
            complaint_id = row.get("id")
            if row.get("shard") in unreadable:
                continue
            if homes.get(complaint_id) != row.get("shard") or bucket_of(str(complaint_id)) != bucket:
                report.problems.append(f"{layout.route(bucket)}: {complaint_id!r} is routed to the wrong shard")
            homes.pop(complaint_id, None)
    for complaint_id in homes:
        report.problems.append(f"{layout.route(bucket_of(complaint_id))}: no route to {complaint_id!r}")
    for folder in (store.directory, *(store.directory / name for name in DATA_FOLDERS)):
        for entry in os.scandir(folder) if folder.is_dir() else ():
            if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                report.notices.append(f"{entry.path}: left by an interrupted write; the next change removes it")
    return report


def _tables(path: Path, report: Report) -> dict | None:
    try:
        raw = read_bytes(path)
        if raw is None:
            return None
        report.files += 1
        return parse_tables(path, raw)
    except StoreError as error:
        report.problems.append(str(error))
        return None


def _check_notes(store: Store, number: int, homes: dict[str, int] | None, report: Report) -> None:
    path = store.layout.notes(number)
    try:
        raw = read_bytes(path)
        if raw is None:
            return
        report.files += 1
        entries, tail = parse_log(path, raw)
    except StoreError as error:
        report.problems.append(str(error))
        return
    if tail:
        report.notices.append(f"{path}: ends in an unfinished note from an interrupted write; it never counted")
    for line, entry in enumerate(entries, 1):
        try:
            note = record(path, _note, entry)
        except StoreCorrupt:
            report.problems.append(f"{path}: line {line} is not a note")
            continue
        report.notes += 1
        if homes is not None and homes.get(note.complaint_id) != number:
            report.problems.append(f"{path}: line {line} belongs to {note.complaint_id!r}, not in this shard")


def _check_history(store: Store, number: int, homes: dict[str, int], report: Report, recorded: int | None) -> None:
    """Schema 3: the shard's history log holds changes of its own complaints, as far as the shard records
    (`recorded`); lines beyond, or an unfinished last line, are what an interrupted change left."""
    path = store.layout.history(number)
    try:
        raw = read_bytes(path) or b""
        if not raw and not recorded:
            return
        report.files += 1
        if recorded is not None and recorded > len(raw):
            report.problems.append(f"{path}: shorter than its shard records ({len(raw)} of {recorded} bytes)")
            return
        if recorded is not None and recorded < len(raw):
            report.notices.append(f"{path}: ends in lines of an unfinished change; they never counted")
            raw = raw[:recorded]
        entries, tail = parse_log(path, raw)
    except StoreError as error:
        report.problems.append(str(error))
        return
    if tail:
        report.notices.append(f"{path}: ends in an unfinished entry from an interrupted write; it never counted")
    for line, entry in enumerate(entries, 1):
        try:
            change = record(path, _change, entry)
        except StoreCorrupt:
            report.problems.append(f"{path}: line {line} is not a change")
            continue
        if homes.get(change.complaint_id) != number:
            report.problems.append(f"{path}: line {line} belongs to {change.complaint_id!r}, not in this shard")


def _members(directory: Path) -> list[Path]:
    paths = [directory / META_FILE]
    for folder in DATA_FOLDERS:
        if (directory / folder).is_dir():
            paths.extend(sorted(p for p in (directory / folder).iterdir() if not p.name.startswith(".")))
    return [path for path in paths if path.is_file()]


def backup(store: Store, target: Path) -> int:
    """Write a snapshot of the desk to `target` (a .tar.gz) taken under the lock, so no change is half in
    it; the archive itself is written atomically. Returns the number of files saved."""
    with store.transaction():
        buffer = io.BytesIO()
        members = _members(store.directory)
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for path in members:
                archive.add(path, arcname=str(path.relative_to(store.directory)), recursive=False)
    try:
        write_atomically(target, buffer.getvalue())
    except OSError as error:
        raise unavailable(target, error) from None
    return len(members)


def restore(archive: Path, directory: Path) -> Report:
    """Unpack a backup into `directory`, which must not exist yet or be empty; the files appear there only
    once all of them are unpacked and checked."""
    if directory.exists() and any(directory.iterdir()):
        raise StoreUnavailable(directory, "it is not empty; restore into a new directory")
    parent = directory.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".restore-", dir=parent))
    except OSError as error:
        raise unavailable(parent, error) from None
    try:
        try:
            with tarfile.open(archive, mode="r:gz") as source:
                names = source.getnames()
                if META_FILE not in names or any(Path(n).parts[0] not in (META_FILE, *DATA_FOLDERS) for n in names):
                    raise StoreCorrupt(archive, "not an agent-console backup")
                source.extractall(scratch, filter="data")
        except (tarfile.TarError, EOFError, OSError) as error:
            raise StoreCorrupt(archive, f"cannot be unpacked: {error}") from None
        report = check(Store(scratch))
        if not report.ok:
            raise StoreCorrupt(archive, "; ".join(report.problems[:3]))
        if directory.exists():
            directory.rmdir()
        os.replace(scratch, directory)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    fsync_directory(parent)
    return report
