"""`agent-console check` and `backup`: verify every file of a desk, and take a consistent snapshot of it
that `restore` puts back."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.store.atomic import (
    PRIVATE_FILE,
    SHARED_FILE,
    UnsafeFile,
    file_mode,
    folder_mode,
    fsync_directory,
    make_folder,
    open_regular,
    read_regular,
)
from console.store.deliveries import TABLE as DELIVERIES
from console.store.deliveries import delivery_record
from console.store.documents import (
    change_record,
    checked_summary,
    complaint_record,
    note_record,
    record,
    recorded_length,
)
from console.store.errors import StoreCorrupt, StoreError, StoreUnavailable, StoreUnsafe
from console.store.files import Tables, parse_json, parse_log, parse_tables, read_bytes, unavailable
from console.store.index import encode_shard
from console.store.layout import (
    ATTACHMENTS,
    DATA_FOLDERS,
    LOG_TABLES,
    META_FILE,
    ROUTE_BUCKETS,
    Layout,
    bucket_of,
    file_key,
)
from console.store.mail import TABLE as FOLLOWUPS
from console.store.mail import customer_message_fields
from console.store.mail_integrity import attachment_names, check_attachments, check_mail_ids, mail_file_name
from console.store.replies import TABLE as REPLIES
from console.store.replies import reply_fields
from console.store.tinystore import Store


@dataclass
class Report:
    """What `check` found: problems make it fail; notices are the harmless traces of interrupted writes,
    which the next change clears."""

    complaints: int = 0
    notes: int = 0
    replies: int = 0
    customer_messages: int = 0
    attachments: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(store: Store) -> Report:
    """Read every file of the desk and check that its parts agree. Changes nothing. Read without the
    lock, a writer part way (shard written, routes not yet) looks like damage: a problem found is only
    reported if it is still there when read again under the lock, when no writer is part way."""
    report = _check(store)
    if report.ok:
        return report
    with store.locked():
        return _check(store)


def _check(store: Store) -> Report:
    report = Report()
    layout = store.layout
    meta = _tables(layout.meta, report)
    importing = False
    if meta is not None:
        rows = list(meta.get("meta", {}).values())
        importing = bool(rows and rows[0].get("importing"))
        if importing:
            report.notices.append(f"{layout.meta}: an import was interrupted; the next change completes it")
    _check_entries(store, report)
    homes: dict[str, int] = {}
    digests: set[str] = set()  # of the files mails name
    unreadable: set[int] = set()  # named once; routes and notes into it are not blamed as well
    for number in layout.shard_numbers():
        shard = layout.shard(number)
        tables = _tables(shard, report)
        if tables is None:
            unreadable.add(number)
            _check_notes(store, number, None, report)
            _check_replies(store, number, None, report)
            _check_deliveries(store, number, None, report)
            _check_followups(store, number, None, report, digests)
            continue
        messages = _tables(layout.messages(number), report) or {}
        message_of = {m.get("id"): m for m in messages.get("messages", {}).values()}
        in_shard = {document.get("id") for document in tables.get("complaints", {}).values()}
        _orphan_messages(layout.messages(number), [i for i in message_of if i not in in_shard], importing, report)
        for document in tables.get("complaints", {}).values():
            try:
                complaint = record(shard, complaint_record, document, message_of.get(document.get("id")))
            except StoreCorrupt as error:
                report.problems.append(str(error))
                continue
            if complaint.id in homes:
                report.problems.append(f"{shard}: complaint {complaint.id!r} is also in shard {homes[complaint.id]}")
            homes[complaint.id] = number
            digests.update(attachment.digest for attachment in complaint.attachments)
            if complaint.id not in message_of:
                report.problems.append(f"{layout.messages(number)}: the message of {complaint.id!r} is missing")
        _check_history(store, number, homes, report, recorded_length(tables))
        inbox = layout.inbox(number)
        try:
            raw = read_bytes(inbox)
            derived = None if raw is None else parse_json(inbox, raw)
            documents = [record(shard, checked_summary, d) for d in tables.get("complaints", {}).values()]
            expected = {**encode_shard(documents), "source": list(file_key(shard) or ())}
            if derived != expected:
                report.notices.append(f"{inbox}: older than its shard; it is made again when read")
        except StoreError as error:
            report.notices.append(f"{error}; it is made again from its shard")
        _check_notes(store, number, homes, report)
        _check_replies(store, number, homes, report)
        _check_deliveries(store, number, homes, report)
        _check_followups(store, number, homes, report, digests)
    report.complaints = len(homes)
    check_mail_ids(store, homes, report)
    check_attachments(store, digests, report)
    for number in layout.numbers("messages", ".json"):
        if number not in unreadable and file_key(layout.shard(number)) is None:
            messages = _tables(layout.messages(number), report) or {}
            ids = [m.get("id") for m in messages.get("messages", {}).values()]
            _orphan_messages(layout.messages(number), ids, importing, report)
    for bucket in range(64):
        tables = _tables(layout.route(bucket), report)
        for row in (tables or {}).get("routes", {}).values():
            complaint_id: Any = row.get("id")
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


def _orphan_messages(path: Path, ids: list[object], importing: bool, report: Report) -> None:
    """Messages of complaints that are in no shard: what an import that failed (a full disk) leaves."""
    if not ids:
        return
    named = ", ".join(map(repr, ids[:3])) + (", …" if len(ids) > 3 else "")
    if importing:
        report.notices.append(f"{path}: messages of no complaint ({named}), left by an interrupted import; "
                              "the next change removes them")  # fmt: skip
    else:
        report.problems.append(f"{path}: messages of no complaint ({named})")


def _check_entries(store: Store, report: Report) -> None:
    """Every entry of the desk is a regular file or a folder (a link or fifo is what a hostile neighbour
    plants), and in a group's desk every one of them is the group's to write."""
    shared = store.mode == SHARED_FILE
    folders = [store.directory]
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            report.problems.append(f"{folder}: cannot be read ({error.strerror})")
            continue
        for entry in entries:
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue  # removed meanwhile
            if stat.S_ISLNK(mode):
                report.problems.append(f"{entry.path}: a symbolic link; agent-console never follows it, remove it")
                continue
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                report.problems.append(f"{entry.path}: not a regular file or folder; agent-console never opens it")
                continue
            if shared and not mode & 0o020:
                report.problems.append(f"{entry.path}: the group cannot write it (chmod g+w)")
            if stat.S_ISDIR(mode) and folder == store.directory:
                folders.append(Path(entry.path))


def _tables(path: Path, report: Report) -> Tables | None:
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
    report.notes += _check_log(store.layout.notes(number), "note", note_record, number, homes, report)


def _check_replies(store: Store, number: int, homes: dict[str, int] | None, report: Report) -> None:
    report.replies += _check_log(store.layout.log(REPLIES, number), "reply", reply_fields, number, homes, report)


def _check_followups(
    store: Store, number: int, homes: dict[str, int] | None, report: Report, digests: set[str]
) -> None:
    """The shard's log of customers' later messages; the digests of their files go to `digests`."""
    path = store.layout.log(FOLLOWUPS, number)

    def files_of(message: Any) -> None:
        digests.update(attachment.digest for attachment in message.attachments)

    report.customer_messages += _check_log(
        path, "customer's message", customer_message_fields, number, homes, report, files_of
    )


def _check_deliveries(store: Store, number: int, homes: dict[str, int] | None, report: Report) -> None:
    path = store.layout.log(DELIVERIES, number)
    _check_log(path, "delivery", delivery_record, number, homes, report)


def _check_log(
    path: Path,
    kind: str,
    convert: Callable[[Any], Any],
    number: int,
    homes: dict[str, int] | None,
    report: Report,
    seen: Callable[[Any], None] = lambda _found: None,
) -> int:
    """Check a log of notes, replies, deliveries or customers' messages: every line one of `kind`, of a
    complaint of its shard, handed to `seen`. Returns how many."""
    try:
        raw = read_bytes(path)
        if raw is None:
            return 0
        report.files += 1
        entries, tail = parse_log(path, raw)
    except StoreError as error:
        report.problems.append(str(error))
        return 0
    if tail:
        report.notices.append(f"{path}: ends in an unfinished {kind} from an interrupted write; it never counted")
    count = 0
    for line, entry in enumerate(entries, 1):
        try:
            found = record(path, convert, entry)
        except StoreCorrupt:
            report.problems.append(f"{path}: line {line} is not a {kind}")
            continue
        count += 1
        seen(found)
        if homes is not None and homes.get(found.complaint_id) != number:
            report.problems.append(f"{path}: line {line} belongs to {found.complaint_id!r}, not in this shard")
    return count


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
            change = record(path, change_record, entry)
        except StoreCorrupt:
            report.problems.append(f"{path}: line {line} is not a change")
            continue
        if homes.get(change.complaint_id) != number:
            report.problems.append(f"{path}: line {line} belongs to {change.complaint_id!r}, not in this shard")


BACKUP_FOLDER = "cache"
"""Where a backup's snapshot (hard links taken under the lock) waits to be packed: a cache, not data."""


def backup(store: Store, target: Path) -> int:
    """Write a snapshot of the desk to `target` (a .tar.gz) taken under the lock, so no change is half in
    it. Under the lock each file is only hard-linked (files are replaced, never rewritten, and the notes
    logs only grow: a link and a length keep the file as it was); the archive is packed after, streamed to
    a temporary file beside `target` and renamed over it. Returns the number of files saved. A desk holding
    a link or special file is refused, naming them: restore would refuse the archive."""
    holder = store.directory / BACKUP_FOLDER
    try:
        make_folder(holder, store.folder_mode)
        snapshot = Path(tempfile.mkdtemp(prefix="backup-", dir=holder))
    except OSError as error:
        raise unavailable(holder, error) from None
    try:
        with store.transaction():  # a change a killed writer left half done is rolled back first
            members = _snapshot(store.directory, snapshot)
        _pack(members, target)
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)
    return len(members)


def _snapshot(directory: Path, snapshot: Path) -> list[tuple[str, Path, int]]:
    """Each file of the desk linked (or, across devices, copied) into `snapshot`: name, path, length."""
    names = [META_FILE] if os.path.lexists(directory / META_FILE) else []
    unsafe = [directory / folder for folder in DATA_FOLDERS if _not_a(stat.S_ISDIR, directory / folder)]
    for folder in DATA_FOLDERS:
        if folder not in map(lambda path: path.name, unsafe) and (directory / folder).is_dir():
            names.extend(f"{folder}/{name}" for name in sorted(os.listdir(directory / folder)) if name[0] != ".")
    unsafe.extend(directory / name for name in names if _not_a(stat.S_ISREG, directory / name))
    attachments, refused = attachment_names(directory)
    unsafe.extend(refused)
    if unsafe:
        raise StoreUnsafe(*unsafe)
    members = []
    for folder in DATA_FOLDERS:
        (snapshot / folder).mkdir()
    for folder in sorted({str(Path(name).parent) for name in attachments}):
        (snapshot / folder).mkdir(parents=True, exist_ok=True)
    names.extend(attachments)
    for name in names:
        source, copy = directory / name, snapshot / name
        try:
            try:
                os.link(source, copy, follow_symlinks=False)
            except OSError:  # another file system, or links not allowed: copied, still under the lock
                _write_new(copy, read_regular(source), PRIVATE_FILE)
            members.append((name, copy, os.lstat(copy).st_size))
        except OSError as error:
            raise unavailable(source, error) from None
    return members


def _not_a(kind: Callable[[int], bool], path: Path) -> bool:
    try:
        return not kind(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def _pack(members: list[tuple[str, Path, int]], target: Path) -> None:
    temporary = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        descriptor = open_regular(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        with os.fdopen(descriptor, "wb") as file:
            with tarfile.open(fileobj=file, mode="w:gz") as archive:
                for name, path, size in members:
                    with os.fdopen(open_regular(path, os.O_RDONLY), "rb") as source:
                        info = tarfile.TarInfo(name)
                        info.size, info.mode, info.mtime = size, PRIVATE_FILE, int(os.fstat(source.fileno()).st_mtime)
                        archive.addfile(info, source)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
        fsync_directory(target.parent)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise unavailable(target, error) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


MEMBER_LIMIT = 64 << 20
"""The largest file a backup may hold. A seeded desk's largest file (a shard of 256 complaints with their
history) is about 200 KB; a messages file of 256 long customer letters stays well below this."""
TOTAL_LIMIT = 16 << 30
"""All files together: a seeded desk of 100k complaints is about 165 MB; the files that came with mail
(a few 100 KB each, now and then) may add some gigabytes."""
MEMBERS_LIMIT = 200_000
"""A desk of 100k complaints is about 1,700 files (391 shards, each with its inbox, messages and notes), and one
more per distinct file that came with mail."""
_NAME = re.compile(
    r"store\.json|shards/(\d+)(?:\.inbox)?\.json|messages/(\d+)\.json|[a-z]+/(\d+)\.jsonl|routes/[0-9a-f]{2}\.json"
)


def desk_file_name(name: str) -> bool:
    """Whether `name` is one a desk's own files have (as `Layout` writes them): nothing else is restored."""
    if mail_file_name(name):
        return True
    match = _NAME.fullmatch(name)
    if match is None:
        return False
    layout = Layout(Path())
    number = next((int(group) for group in match.groups() if group), None)
    if name.startswith("routes/"):
        return int(name[7:9], 16) < ROUTE_BUCKETS
    if number is None:
        return True
    own = {layout.shard(number), layout.inbox(number), layout.messages(number)}
    return name in {str(path) for path in own | {layout.log(table, number) for table in LOG_TABLES}}


def restore(archive: Path, directory: Path) -> Report:
    """Unpack a backup into `directory`, which must not exist yet or be an empty folder. The archive is
    trusted in nothing: members are read one by one (never `extractall`, whose filter a symlink chain
    escapes on older Pythons), only regular files with a desk's own names and sane sizes are accepted,
    each written by us (O_EXCL, O_NOFOLLOW) into a fresh scratch folder, checked, then moved into place."""
    _check_target(directory)
    parent = directory.absolute().parent
    shared = file_mode(parent) == SHARED_FILE
    try:
        parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".restore-", dir=parent))
    except OSError as error:
        raise unavailable(parent, error) from None
    try:
        _unpack(archive, scratch, SHARED_FILE if shared else PRIVATE_FILE)
        try:
            report = check(Store(scratch))
        except StoreError as error:  # named as what it is: a file of the archive
            said = f"{error.path}: {error.problem}" if isinstance(error, StoreCorrupt) else str(error)
            raise StoreCorrupt(archive, said.replace(f"{scratch}{os.sep}", "")) from None
        if not report.ok:
            raise StoreCorrupt(archive, "; ".join(report.problems[:3]).replace(f"{scratch}{os.sep}", ""))
        _check_target(directory)
        os.replace(scratch, directory)  # over an empty folder, or where none was
        os.chmod(directory, folder_mode(parent))  # only now may the group come in
    except OSError as error:
        shutil.rmtree(scratch, ignore_errors=True)
        raise unavailable(directory, error) from None
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    fsync_directory(parent)
    return report


def _check_target(directory: Path) -> None:
    try:
        status = os.lstat(directory)
    except FileNotFoundError:
        return
    except OSError as error:
        raise unavailable(directory, error) from None
    if not stat.S_ISDIR(status.st_mode) or any(os.scandir(directory)):
        raise StoreUnavailable(directory, "it is a file or not empty; restore into a new, empty directory")


def _unpack(archive: Path, scratch: Path, mode: int) -> None:
    total = 0
    try:
        with tarfile.open(archive, mode="r:gz") as source:
            for count, member in enumerate(source, 1):
                if count > MEMBERS_LIMIT:
                    raise StoreCorrupt(archive, f"more than {MEMBERS_LIMIT} files")
                if member.isdir() and member.name.rstrip("/") in DATA_FOLDERS:
                    continue  # made below
                if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
                    raise StoreCorrupt(archive, f"{member.name!a} is not a regular file; refused")
                if not desk_file_name(member.name):
                    raise StoreCorrupt(archive, f"{member.name!a} is no file of a desk; refused")
                total += member.size
                if member.size > MEMBER_LIMIT or total > TOTAL_LIMIT:
                    raise StoreCorrupt(archive, f"{member.name!a} is larger than a desk's files can be; refused")
                content = source.extractfile(member)
                assert content is not None  # a regular file always has content
                _write_new(scratch / member.name, content.read(), mode)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise StoreCorrupt(archive, f"cannot be unpacked: {error}") from None
    except FileExistsError as error:
        raise StoreCorrupt(archive, f"{Path(error.filename).relative_to(scratch)} is in it twice; refused") from None
    except OSError as error:
        if isinstance(error, UnsafeFile) or error.filename is None:
            raise StoreCorrupt(archive, f"cannot be unpacked: {error}") from None
        raise
    if not (scratch / META_FILE).is_file():
        raise StoreCorrupt(archive, "not an agent-console backup")


def _write_new(path: Path, payload: bytes, mode: int) -> None:
    """A file that must not exist yet (O_EXCL), in a folder of the desk's own (an attachment's two deep),
    durably."""
    if path.parent.parent.name == ATTACHMENTS:
        make_folder(path.parent.parent, 0o2770 if mode == SHARED_FILE else 0o700)
    make_folder(path.parent, 0o2770 if mode == SHARED_FILE else 0o700)
    descriptor = open_regular(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), mode)
        file.write(payload)
        file.flush()
        os.fsync(file.fileno())
