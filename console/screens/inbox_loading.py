"""Loading the inbox on a worker: each load asked for is counted, its answers (progress, rows, failure)
carry that number, and an answer not newer than the rows shown is dropped."""

from __future__ import annotations

import time
from functools import partial

from textual.dom import DOMNode

from console.desk import DeskService, InboxLoad
from console.screens.desk_worker import InboxLoaded, InboxLoadFailed, InboxLoading, in_background

PROGRESS_EVERY_SECONDS = 0.1
NOT_LOADED = object()


class InboxLoads:
    """The loads `node` asked of the desk service, by generation."""

    def __init__(self, node: DOMNode) -> None:
        self._node = node
        self.stamp: object = NOT_LOADED
        """The desk's change stamp when the shown rows were last loaded."""
        self._asked = 0
        """Loads asked for, counted: each answer carries its number (its generation)."""
        self._shown = 0
        """The generation of the rows shown: an answer not newer than that is dropped."""
        self._progress_at = 0.0

    def ask(self) -> int:
        """A new load: its generation."""
        self._asked += 1
        return self._asked

    def is_new(self, generation: int) -> bool:
        """Newer than the rows shown (else a load overtaken by a newer one already shown)."""
        return generation > self._shown

    def shown(self, load: InboxLoad, generation: int) -> None:
        self._shown = generation
        self.stamp = load.stamp

    def start(self, service: DeskService, first: bool) -> None:
        """Load the inbox on a worker; `node` gets `InboxLoading` a few times a second, then `InboxLoaded`
        or `InboxLoadFailed`."""
        generation = self.ask()
        self._progress_at = time.monotonic()

        def then(load: InboxLoad) -> None:
            service.after_inbox_load(load, first)

        in_background(
            self._node,
            partial(service.load_inbox, partial(self._progress, generation), first),
            InboxLoaded,
            InboxLoadFailed,
            group="inbox-load",
            generation=generation,
            exclusive=True,
            then=then,
        )

    def _progress(self, generation: int, done: int, total: int) -> None:
        """On the loading thread: a few a second will do (each one repaints)."""
        if time.monotonic() - self._progress_at >= PROGRESS_EVERY_SECONDS:
            self._progress_at = time.monotonic()
            self._node.post_message(InboxLoading(generation, done, total))
