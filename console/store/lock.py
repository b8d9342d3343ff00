"""The desk's lock: one `flock` on `.desk.lock`, taken by every change, never by a reader.

A lock file of our own opening rather than filelock's: filelock (before 3.20) opens the file with
O_TRUNC and follows a symlink, so a neighbour in a shared desk who replaced `.desk.lock` with a link
would have every agent truncate the link's target. Here it is opened with `open_regular`.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from console.store.atomic import open_regular
from console.store.errors import StoreLocked
from console.store.files import unavailable

POLL_SECONDS = 0.01
"""How often a waiter tries again. A long writer (an import) pauses twice this between its batches, so
a waiter gets in within a batch."""


class DeskLock:
    """An exclusive lock across processes (flock) and threads (an RLock), reentrant within a thread."""

    def __init__(self, path: Path, mode: int, timeout: float) -> None:
        self.path = path
        self.mode = mode
        self.timeout = timeout
        self._mutex = threading.RLock()
        self._depth = 0
        self._descriptor: int | None = None

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        if not self._mutex.acquire(timeout=self.timeout):
            raise StoreLocked(self.path)
        try:
            if self._depth == 0:
                self._descriptor = self._take(deadline)
            self._depth += 1
        except BaseException:
            self._mutex.release()
            raise

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._descriptor is not None:
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
            os.close(self._descriptor)
            self._descriptor = None
        self._mutex.release()

    def _take(self, deadline: float) -> int:
        while True:
            try:
                descriptor = open_regular(self.path, os.O_RDWR | os.O_CREAT, self.mode)
            except OSError as error:
                raise unavailable(self.path, error) from None
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                if time.monotonic() >= deadline:
                    raise StoreLocked(self.path) from None
                time.sleep(POLL_SECONDS)
                continue
            except BaseException:
                os.close(descriptor)
                raise
            status = os.fstat(descriptor)
            if status.st_nlink == 0:  # removed while we waited: the next holder locks the new file
                os.close(descriptor)
                continue
            if status.st_uid == os.geteuid() and status.st_mode & 0o777 != self.mode:
                os.fchmod(descriptor, self.mode)  # the umask would take a shared desk's group bits off
            return descriptor
