"""`agent-console import --watch MAILDIR`: import mail as it arrives in a Maildir fed by mbsync, fetchmail or
getmail, until Ctrl-C.

The files are left where they are, not moved from new/ to cur/: the desk reads the Maildir, it does not own it.
A mail program reading the same folder tells new mail by new/, and mbsync turns a ":2,S" flag into "read" on
the shop's IMAP server. Leaving them costs nothing: a file is read once per run (its unique name is
remembered, whatever folder or flags it has later), and on a restart the Message-ID lookup skips what the desk
has after a header-only read. An MDA writes in tmp/ and moves the whole file into new/, so a half-written
message is never seen; a file moved or deleted between listing and reading is looked for again next time.
A Maildir whose cur/, new/ or tmp/ is a link is refused, before the watch and whenever it is listed again
(`maildir_root`, `maildir_files`): the watch ends with one line.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from console import labels
from console.i18n import _, format_moment
from console.mail_import import MailImporter, MailImportError, reopened_line, report_skipped, summary
from console.mail_reader import (
    MAILDIR_FOLDERS,
    NotMail,
    Position,
    RawMessage,
    is_maildir,
    maildir_files,
    maildir_key,
    maildir_root,
    read_maildir_file,
)
from console.store import StoreLocked, StoreUnavailable

POLL_SECONDS = 0.2
"""How often the folders are looked at: a message is in the desk well within the TUIs' 1.5 s poll."""
RELIST_SECONDS = 2.0
"""The folders are listed again at least this often even when their times did not change (a file system
whose times are coarse could hide a delivery in the same tick as the last listing)."""
RETRY_SECONDS = 1.0
"""The pause after the desk was locked too long or unavailable, before the same mail is tried again."""


class _Stop:
    """Set by Ctrl-C or SIGTERM: the import under way finishes, then the watch ends."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, _signal: int, _frame: FrameType | None) -> None:
        self.requested = True


class MaildirWatch:
    """The files of a Maildir not imported yet in this run (NotMail when it has a linked folder, now or later)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = maildir_root(path)
        self.done: set[str] = set()
        self._stamps: tuple[int, ...] = ()
        self._listed_at = 0.0

    def retry(self) -> None:
        """List the folders again next time, whatever their times say."""
        self._stamps = ()

    def _folder_stamps(self) -> tuple[int, ...]:
        stamps = []
        for folder in MAILDIR_FOLDERS:
            try:
                stamps.append(os.stat(self.root / folder, follow_symlinks=False).st_mtime_ns)
            except FileNotFoundError:
                stamps.append(0)
        return tuple(stamps)

    def arrived(self) -> list[tuple[str, Path]]:
        """The files not imported yet, when the folders may have changed since they were last listed."""
        stamps = self._folder_stamps()
        now = time.monotonic()
        if stamps == self._stamps and now - self._listed_at < RELIST_SECONDS:
            return []
        self._stamps, self._listed_at = stamps, now
        return [(name, file) for name, file in maildir_files(self.root) if maildir_key(name) not in self.done]

    def read(self, arrived: list[tuple[str, Path]]) -> list[RawMessage]:
        """The arrived files' bytes; one that vanished meanwhile is left for the next listing (its new name)."""
        found: list[RawMessage] = []
        for number, (name, file) in enumerate(arrived, start=1):
            data = read_maildir_file(file)
            if data is not None:
                found.append((Position(number, file=name), data))
        return found

    def imported(self, messages: list[RawMessage]) -> None:
        """These are in the desk (or were reported): not read again in this run."""
        self.done.update(maildir_key(position.file) for position, _data in messages)


def _import_arrivals(importer: MailImporter, folder: MaildirWatch) -> None:
    arrived = folder.arrived()
    if not arrived:
        return
    messages = folder.read(arrived)
    try:
        result = importer.import_messages(messages)
    except (StoreLocked, StoreUnavailable) as error:  # another agent's long change, a full disk: try again
        print(f"{labels.store_error(error)} {_('Trying again.')}", file=sys.stderr, flush=True)
        folder.retry()
        time.sleep(RETRY_SECONDS)
        return
    folder.imported(messages)
    report_skipped(folder.path, result.skipped)
    if result.anything:
        print(f"{format_moment(datetime.now(UTC), width='short')} {summary(result, zeros=False)}", flush=True)
    if result.reopened:
        print(reopened_line(result.reopened), flush=True)


def watch(importer: MailImporter, paths: list[Path]) -> int:
    """Import what each Maildir holds, then what arrives, until Ctrl-C or SIGTERM (exit 0, no traceback)."""
    if len(paths) != 1 or not is_maildir(paths[0]):
        raise MailImportError(_("--watch takes one Maildir folder (with cur/, new/ and tmp/)"))
    path = paths[0]
    try:
        folder = MaildirWatch(path)
    except NotMail as error:
        raise MailImportError(str(error)) from None
    stop = _Stop()
    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    from console.language_detection import warm_up

    warm_up()
    try:
        print(_("Watching {path} for new mail; Ctrl-C stops.").format(path=path), flush=True)
        while not stop.requested:
            _import_arrivals(importer, folder)
            if not stop.requested:
                time.sleep(POLL_SECONDS)
    except NotMail as error:  # a folder became a link while watching
        raise MailImportError(str(error)) from None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    print(_("Stopped watching {path}.").format(path=path), file=sys.stderr)
    return 0
