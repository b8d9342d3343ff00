"""The one way a screen asks the desk service (`console/desk.py`) for something: the call runs on a worker
thread, and what comes back is a typed message on the screen's own loop — never a function to run there.

Each message carries the `generation` of the request it answers. `@work(exclusive=True)` cancels a worker
object, not a thread already running, so an answer can arrive after a newer one: a screen drops any that is
older than what it already shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from textual.dom import DOMNode
from textual.message import Message

from console.desk import ComplaintLoad, HistoryLoad, InboxLoad, Outcome, Poll, SendReport
from console.store import StoreError

ResultT = TypeVar("ResultT")


@dataclass
class Done(Message, Generic[ResultT], bubble=False):
    """A request answered."""

    result: ResultT
    generation: int = 0


@dataclass
class Failed(Message, bubble=False):
    """A request refused: the error says why, in words made where it is shown (`labels.store_error`)."""

    error: StoreError
    generation: int = 0


class InboxLoaded(Done[InboxLoad], bubble=False):
    pass


class InboxLoadFailed(Failed, bubble=False):
    pass


@dataclass
class InboxLoading(Message, bubble=False):
    """How far the first load of a big desk is."""

    generation: int
    done: int
    total: int


class ComplaintLoaded(Done[ComplaintLoad], bubble=False):
    pass


class ComplaintLoadFailed(Failed, bubble=False):
    pass


class HistoryLoaded(Done[HistoryLoad], bubble=False):
    pass


class HistoryLoadFailed(Failed, bubble=False):
    pass


class Saved(Done[Outcome], bubble=False):
    """A change is stored. If the screen that asked has closed meanwhile, the app hears of it."""


class SaveFailed(Failed, bubble=False):
    """A change was refused (locked for too long, disk full…): nothing of it is stored."""


class RepliesSent(Done[SendReport], bubble=False):
    """Replies sent by mail, or not: a line for each (the app hears of it, whichever screen is up)."""


class SendingFailed(Failed, bubble=False):
    """The desk refused before anything was sent (locked for too long, damaged)."""


class Polled(Done[Poll], bubble=False):
    pass


class PollFailed(Failed, bubble=False):
    pass


def in_background(
    node: DOMNode,
    job: Callable[[], ResultT],
    done: Callable[[ResultT, int], Message],
    failed: Callable[[StoreError, int], Message],
    *,
    group: str,
    generation: int = 0,
    exclusive: bool = False,
    then: Callable[[ResultT], None] | None = None,
    outlives_screen: bool = False,
) -> None:
    """Run `job` on a worker thread and post `done(result, generation)` to `node`, or `failed(error,
    generation)` if the store refused. `then` goes on working on that thread once the answer is posted.
    With `outlives_screen` (a change) the worker belongs to the app, so closing the screen cancels nothing,
    and an answer the closed screen cannot take goes to the app. Any other exception is a bug: the worker
    fails loudly."""

    app = node.app  # found now: from the worker's thread, a closed screen no longer leads to it
    fallback = app if outlives_screen and app is not node else None

    def work() -> None:
        try:
            result = job()
        except StoreError as error:
            _post(node, failed(error, generation), fallback)
            return
        _post(node, done(result, generation), fallback)
        if then is not None:
            then(result)

    owner = app if outlives_screen else node
    owner.run_worker(work, name=group, group=group, exclusive=exclusive, thread=True)


def _post(node: DOMNode, message: Message, fallback: DOMNode | None) -> None:
    try:
        taken = node.post_message(message)
    except RuntimeError:  # no app: taken off the screen stack between the two checks
        taken = False
    if not taken and fallback is not None:
        fallback.post_message(message)
