"""What `check`, `backup` and `restore` need to know of mail (console/store/mail.py): the follow-ups logs, the
Message-ID index and the kept attachments, each checked as strictly as the rest of the desk."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.store.documents import DIGEST_LENGTH
from console.store.errors import StoreError
from console.store.files import parse_tables, read_bytes
from console.store.layout import ATTACHMENTS, MAIL_ID_BUCKETS, MAIL_IDS, mail_bucket
from console.store.mail import IDS_TABLE, attachment_files, digest_of

if TYPE_CHECKING:
    from console.store.integrity import Report
    from console.store.tinystore import Store

ATTACHMENT_NAME = re.compile(rf"{ATTACHMENTS}/([0-9a-f]{{2}})/([0-9a-f]{{{DIGEST_LENGTH}}})")
MAIL_IDS_NAME = re.compile(rf"{MAIL_IDS}/([0-9a-f]{{2}})\.json")


def mail_file_name(name: str) -> bool:
    """Whether `name` is one of mail's files as a backup holds them (nothing else of these is restored)."""
    attachment = ATTACHMENT_NAME.fullmatch(name)
    if attachment is not None:
        return attachment.group(2).startswith(attachment.group(1))
    ids = MAIL_IDS_NAME.fullmatch(name)
    return ids is not None and int(ids.group(1), 16) < MAIL_ID_BUCKETS


def check_mail_ids(store: Store, homes: dict[str, int], report: Report) -> None:
    """Each index entry in its bucket, naming a complaint of the desk."""
    for bucket in range(MAIL_ID_BUCKETS):
        path = store.layout.mail_ids(bucket)
        try:
            raw = read_bytes(path)
            if raw is None:
                continue
            report.files += 1
            rows: list[Any] = list(parse_tables(path, raw).get(IDS_TABLE, {}).values())
        except StoreError as error:
            report.problems.append(str(error))
            continue
        for row in rows:
            message_id, complaint_id = row.get("id"), row.get("complaint")
            if not isinstance(message_id, str) or not isinstance(complaint_id, str):
                report.problems.append(f"{path}: an entry is not a Message-ID and a complaint id")
            elif mail_bucket(message_id) != bucket:
                report.problems.append(f"{path}: {message_id!r} is in the wrong file")
            elif complaint_id not in homes:
                report.problems.append(f"{path}: {message_id!r} belongs to {complaint_id!r}, which is not here")


def check_attachments(store: Store, digests: set[str], report: Report) -> None:
    """Every kept file regular, named by its own digest (a different content is damage), and every file a
    mail names is kept."""
    kept: set[str] = set()
    root = store.directory
    for path in attachment_files(root):
        name = path.relative_to(root).as_posix()
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            continue  # removed meanwhile
        if name == ATTACHMENTS or path.parent.name == ATTACHMENTS:
            continue  # the desk's own entries and its folders' are looked at by `check` itself
        if stat.S_ISLNK(mode):
            report.problems.append(f"{path}: a symbolic link; agent-console never follows it, remove it")
        elif path.name.startswith(".") and path.name.endswith(".tmp"):
            report.notices.append(f"{path}: left by an interrupted write; it is of no use, remove it")
        elif not stat.S_ISREG(mode) or not mail_file_name(name):
            report.problems.append(f"{path}: no file agent-console keeps here")
        else:
            report.files += 1
            _check_kept(path, report, kept)
    for digest in sorted(digests - kept):
        report.problems.append(f"{store.layout.attachment(digest)}: an attachment a mail names is missing")


def _check_kept(path: Path, report: Report, kept: set[str]) -> None:
    try:
        data = read_bytes(path)
    except StoreError as error:
        report.problems.append(str(error))
        return
    if data is not None and digest_of(data) != path.name:
        report.problems.append(f"{path}: damaged: its bytes do not match its name (their digest)")
        return
    kept.add(path.name)
    report.attachments += 1


def attachment_names(directory: Path) -> tuple[list[str], list[Path]]:
    """The kept attachments as a backup names them, and the entries refused there (links, odd files)."""
    names: list[str] = []
    refused: list[Path] = []
    for path in attachment_files(directory):
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            continue
        mode = os.lstat(path).st_mode
        name = path.relative_to(directory).as_posix()
        if name == ATTACHMENTS or path.parent.name == ATTACHMENTS:
            if not stat.S_ISDIR(mode):
                refused.append(path)
        elif not stat.S_ISREG(mode) or not mail_file_name(name):
            refused.append(path)
        else:
            names.append(name)
    return names, refused
