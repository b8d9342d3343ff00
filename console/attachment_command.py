"""`agent-console attachment ID N [-o FILE] [--force]`: save the Nth file that came with a complaint's mail,
numbered as the conversation and `show` number them (console/attachments.py).

Without -o the bytes go to standard output, for a pipe or a redirect; never to a terminal, which would act
on them. With -o the file is written atomically (a temporary file beside it, renamed over it), an existing
one only with --force, and a symlink in its place is never written through (the rename replaces it)."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path
from typing import Any, Protocol

from console import i18n, labels
from console.attachments import numbered
from console.safe_text import clean_line
from console.store import Store
from console.store.atomic import write_atomically

COMMAND = "attachment"


class AttachmentError(Exception):
    """The file asked for cannot be saved as asked (no such number, a terminal, a file in the way)."""


class _Arguments(Protocol):
    def add_argument(self, *names: str, **settings: Any) -> argparse.Action: ...


def add_attachment_arguments(options: _Arguments, arguments: _Arguments) -> None:
    _ = i18n._
    arguments.add_argument("id", metavar="ID", help=_("the complaint's id"))
    arguments.add_argument("number", type=int, metavar="N", help=_("which file, as `show ID` numbers them"))
    options.add_argument("-o", "--output", type=Path, metavar=_("FILE"), help=_("write to FILE instead of stdout"))
    options.add_argument("--force", action="store_true", help=_("replace FILE if it exists"))


def run_attachment(store: Store, arguments: argparse.Namespace) -> int:
    """Write the file's bytes, checked against their digest (a damaged copy ends as StoreCorrupt)."""
    complaint = store.complaint(arguments.id)
    files = numbered(complaint, store.customer_messages(complaint.id))
    if not 1 <= arguments.number <= len(files):
        raise AttachmentError(
            i18n.ngettext(
                "{id} has {count} attachment: give N from 1 to {count}",
                "{id} has {count} attachments: give N from 1 to {count}",
                len(files),
            ).format(id=clean_line(complaint.id), count=len(files))
            if files
            else i18n._("{id} has no attachments").format(id=clean_line(complaint.id))
        )
    attachment = files[arguments.number - 1]
    output: Path | None = arguments.output
    if output is None and sys.stdout.isatty():
        raise AttachmentError(i18n._("the file is not shown on a terminal: save it with -o FILE"))
    data = store.attachment_bytes(attachment)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    _save(output, data, arguments.force)
    print(
        i18n._("Saved {name} ({size}) to {path}.").format(
            name=clean_line(attachment.name) or "-", size=i18n.format_size(attachment.size),
            path=clean_line(str(output)),
        )
    )  # fmt: skip
    return 0


def _save(output: Path, data: bytes, force: bool) -> None:
    try:
        status = os.lstat(output)
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise AttachmentError(_cannot_write(output, error)) from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise AttachmentError(i18n._("{path} is a folder: give a file name").format(path=clean_line(str(output))))
    if status is not None and not (stat.S_ISREG(status.st_mode) or stat.S_ISLNK(status.st_mode)):
        raise AttachmentError(labels.not_a_file(output))
    if status is not None and not force:
        raise AttachmentError(
            i18n._("{path} exists already: add --force to replace it").format(path=clean_line(str(output)))
        )
    try:
        write_atomically(output, data)
    except OSError as error:
        raise AttachmentError(_cannot_write(output, error)) from None


def _cannot_write(path: Path, error: OSError) -> str:
    return i18n._("cannot write {path}: {problem}").format(path=clean_line(str(path)), problem=error.strerror)
