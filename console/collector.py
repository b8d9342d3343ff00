"""Pauses of Python's cycle collector, for work that makes many objects and no garbage cycles among them
(start-up, loading 100k complaints): the collector would walk those objects over and over, for nothing.

Pauses nest and may overlap across threads (the screen's start-up and the inbox's loading worker): the
collector runs again only once the last of them has ended, and only if it ran before the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_held = 0
_was_enabled = True


class Pause:
    """One pause of the collector; `end()` may be called more than once (only the first counts)."""

    def __init__(self) -> None:
        global _held, _was_enabled
        with _lock:
            if _held == 0:
                _was_enabled = gc.isenabled()
                gc.disable()
            _held += 1
        self._ended = False

    def end(self) -> None:
        global _held
        with _lock:
            if self._ended:
                return
            self._ended = True
            _held -= 1
            if _held == 0 and _was_enabled:
                gc.enable()


@contextmanager
def paused() -> Iterator[None]:
    pause = Pause()
    try:
        yield
    finally:
        pause.end()
