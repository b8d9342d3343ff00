"""The inbox's body searches: the words of the search and of the filter looked for in the complaints'
bodies too, on a worker, each new query making the search before it stale."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import get_current_worker

from console.body_search import Batch, found_again, search_bodies
from console.inbox_model import InboxModel
from console.store import Store

BODIES_AFTER_SECONDS = 0.2
"""The bodies are searched once typing pauses this long: a search running under every keystroke would
take the screen's thread from it (a few ms at each switch), and its result would be stale anyway."""


@dataclass
class BodiesFound(Message, bubble=False):
    """Rows a body search found in one batch of shards, for the query of `token` on `model`."""

    model: InboxModel
    mode: str
    token: int
    batch: Batch


class BodySearches:
    """Starts the body search of each query on `node`'s workers; `node` is sent what they find
    (`BodiesFound`), and asks `is_current` whether it is still wanted."""

    def __init__(self, node: DOMNode, store: Callable[[], Store], model: Callable[[], InboxModel | None]) -> None:
        self._node = node
        self._store = store
        self._model = model
        self._tokens = {"search": 0, "filter": 0}
        """The body search each query waits for: a result tagged with another token is stale."""
        self._counter = itertools.count(1)

    def start(self, model: InboxModel, mode: str, words: tuple[str, ...], before: InboxModel | None) -> None:
        """Look for `words` in the bodies too; the search before it is stale from now. `before`: the model
        a reload replaced, whose result for the same words stays shown until the new one is done."""
        self._tokens[mode] = token = next(self._counter)
        if not words:
            model.found.pop(mode, None)
            return
        earlier = before.found.get(mode) if before is not None else None
        ids = before.index.ids if before is not None else ()
        model.found[mode] = found_again(words, earlier, ids, model.row_of, len(model.index))
        start = partial(self._start_now, model, mode, words, token)
        if before is None:
            self._node.set_timer(BODIES_AFTER_SECONDS, start)
        else:  # not a timer of 0 s: Textual's divides by its interval once the clock has moved on
            self._node.call_later(start)

    def is_current(self, found: BodiesFound) -> bool:
        """Found for the query and the desk on screen (not typed on, nor reloaded, since)."""
        return found.model is self._model() and self._tokens[found.mode] == found.token

    def _start_now(self, model: InboxModel, mode: str, words: tuple[str, ...], token: int) -> None:
        if model is self._model() and self._tokens[mode] == token:  # not typed on meanwhile
            work = partial(self._search, model, mode, words, token)
            self._node.run_worker(work, name="_bodies_in_background", group="inbox-bodies", thread=True)

    def _search(self, model: InboxModel, mode: str, words: tuple[str, ...], token: int) -> None:
        """On the worker's thread."""
        worker = get_current_worker()

        def wanted() -> bool:  # not when typed on, nor when the app is quitting
            return self._tokens[mode] == token and not worker.is_cancelled

        for batch in search_bodies(self._store(), words, model.haystacks, model.row_of, wanted):
            self._node.post_message(BodiesFound(model, mode, token, batch))
