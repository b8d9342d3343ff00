"""The desk service keeps the screen's thread free: keys move while another process holds the desk's lock,
a failing poll is said once and polling goes on, a load overtaken by a newer one is dropped, and bulk
changes queued together undo in the order they were made."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from textual.message import Message

from console.desk import DeskService, InboxLoad
from console.playbooks import Playbooks
from console.screens.complaint import ComplaintScreen
from console.screens.desk_worker import InboxLoaded
from console.screens.dialogs import ChoiceDialog, ConfirmDialog
from console.screens.inbox import InboxScreen
from console.store import Store, StoreUnavailable
from console.store.layout import LOCK_FILE
from console.widgets.inbox_list import InboxList
from tests.conftest import make_app, make_complaint, notifications, screen_text, wait_for

HOLD = """
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin
lock.release()
"""


@contextmanager
def lock_held_by_another_process(directory: Path) -> Iterator[Callable[[], None]]:
    """Another program holds `.desk.lock` (as an import or a backup would) until `release()` is called."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(directory / LOCK_FILE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"

    def release() -> None:
        if holder.poll() is None and holder.stdin is not None and not holder.stdin.closed:
            holder.stdin.close()
            holder.wait(timeout=10)

    try:
        yield release
    finally:
        release()


def rows(app) -> list[str]:  # type: ignore[no-untyped-def]
    listing = app.screen.query_one(InboxList)
    return [listing.row(position).id for position in range(listing.count)]


def cursor(app) -> int:  # type: ignore[no-untyped-def]
    return int(app.screen.query_one(InboxList).cursor)


async def test_keys_move_while_another_process_holds_the_lock_and_the_change_lands_after(
    small_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(small_store, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        assert rows(app) == ["T-3", "T-2", "T-1"] and cursor(app) == 0
        with lock_held_by_another_process(small_store.directory) as release:
            await pilot.press("s", "j")
            assert cursor(app) == 1  # j moved at once: `s` did not stop the screen
            await wait_for(pilot, lambda: "Waiting for another agent's change…" in notifications(app))
            await pilot.press("j", "k")
            assert cursor(app) == 1
            assert small_store.complaint("T-3").status == "open"  # not stored yet: the lock is held
            release()
            await wait_for(pilot, lambda: "T-3: status waiting" in notifications(app))
        assert Store(small_store.directory).complaint("T-3").status == "waiting"
        await wait_for(pilot, lambda: "waiting" in screen_text(app))


async def test_a_change_that_cannot_get_the_lock_fails_with_one_line_and_keeps_nothing_half(
    small_store: Store, playbooks: Playbooks
) -> None:
    store = Store(small_store.directory, lock_timeout=0.5)  # the TUI waits 3 s; the test need not
    app = make_app(store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        with lock_held_by_another_process(small_store.directory):
            await pilot.press("p", "j")
            assert cursor(app) == 1
            await wait_for(pilot, lambda: any(line.startswith("Not saved:") for line in notifications(app)))
        failed = [line for line in notifications(app) if line.startswith("Not saved:")]
        assert len(failed) == 1 and "locked" in failed[0] and "\n" not in failed[0]
        assert small_store.complaint("T-3").priority == "normal"


@pytest.mark.parametrize(
    "problem",
    [StoreUnavailable(Path("/desk/.changes"), "Stale file handle"), OSError(5, "Input/output error")],
    ids=["store-unavailable", "os-error"],
)
async def test_a_failing_stat_while_polling_is_said_once_and_polling_goes_on(
    small_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch, problem: Exception
) -> None:
    monkeypatch.setattr("console.app.POLL_SECONDS", 0.05)
    app = make_app(small_store, playbooks)
    stamp = Store.stamp
    failing = {"on": True, "calls": 0}

    def flaky_stamp(self: Store) -> object:
        if failing["on"]:
            failing["calls"] += 1
            raise problem
        return stamp(self)

    async with app.run_test(size=(80, 24)) as pilot:
        monkeypatch.setattr(Store, "stamp", flaky_stamp)
        await wait_for(pilot, lambda: failing["calls"] >= 4)  # four polls failed
        said = [line for line in notifications(app) if line.startswith("Cannot see others' changes")]
        assert len(said) == 1 and ("Stale file handle" in said[0] or "Input/output error" in said[0])
        assert isinstance(app.screen, InboxScreen) and app.is_running
        await pilot.press("j")
        assert cursor(app) == 1

        failing["on"] = False  # the disk is back: polling shows others' work again
        Store(small_store.directory).set_field("T-1", "status", "resolved", "kadri")
        await wait_for(pilot, lambda: "resolved" in screen_text(app))


async def test_a_superseded_inbox_load_that_finishes_last_is_dropped(
    small_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    read = threading.Event()
    load = DeskService.load_inbox
    calls = {"count": 0, "returned": 0}

    def first_load_held(self: DeskService, progress: Callable[[int, int], None], first: bool = False) -> InboxLoad:
        calls["count"] += 1
        result = load(self, progress, first)
        if calls["count"] == 1:  # the older load: read, then slow to come back
            read.set()
            release.wait(timeout=20)
        calls["returned"] += 1
        return result

    monkeypatch.setattr(DeskService, "load_inbox", first_load_held)
    monkeypatch.setattr("console.app.POLL_SECONDS", 60.0)  # only the test asks for loads
    answered: list[int] = []

    def hook(message: Message) -> None:
        if isinstance(message, InboxLoaded):
            answered.append(message.generation)

    colleague = Store(small_store.directory)
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        colleague.set_field("T-2", "status", "waiting", "kadri")
        screen.reload()
        await wait_for(pilot, read.is_set)  # the older load has read T-2 as waiting
        colleague.set_field("T-2", "status", "resolved", "kadri")
        screen.reload()
        await wait_for(pilot, lambda: "resolved" in screen_text(app))  # the newer load is shown
        release.set()
        await wait_for(pilot, lambda: calls["returned"] == 2 and len(answered) == 2)  # both answers arrived
        await pilot.pause()
        assert answered[0] > answered[1]  # the older answer came last…
        assert "resolved" in screen_text(app) and "waiting" not in screen_text(app)  # …and was dropped


async def test_two_bulk_changes_queued_behind_the_lock_undo_the_last_one(tmp_path: Path, playbooks: Playbooks) -> None:
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(number) for number in (1, 2, 3, 4)])
    app = make_app(store, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t", "t")  # T-4 and T-3

        async def then_on(screen: type, *keys: str) -> None:  # each key to the screen it is meant for
            await wait_for(pilot, lambda: isinstance(app.screen, screen))
            await pilot.press(*keys)

        with lock_held_by_another_process(store.directory) as release:
            await pilot.press("s")
            await then_on(ChoiceDialog, "G", "enter")  # resolved
            await then_on(ConfirmDialog, "y")
            await then_on(InboxScreen, "p")
            await then_on(ChoiceDialog, "G", "enter")  # urgent
            await then_on(ConfirmDialog, "y")
            await then_on(InboxScreen, "u")  # both changes and the undo wait for the lock, in this order
            await wait_for(pilot, lambda: app.screen.pending_changes == 3)
            assert {store.complaint(cid).status for cid in ("T-3", "T-4")} == {"open"}
            release()
            await wait_for(pilot, lambda: any(line.startswith("Undone on 2") for line in notifications(app)))
        fresh = Store(store.directory)
        assert [(fresh.complaint(cid).status, fresh.complaint(cid).priority) for cid in ("T-3", "T-4")] == [
            ("resolved", "normal"),
            ("resolved", "normal"),
        ]  # the undo put back the priority (the last bulk change), not the status
        assert fresh.complaint("T-2").status == "open"
        await pilot.press("u")
        await wait_for(pilot, lambda: "Nothing to undo." in notifications(app))


async def test_the_complaint_screen_shows_what_it_has_while_its_complaint_is_read(
    small_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    load = DeskService.load_complaint

    def slow_load(self: DeskService, complaint_id: str):  # type: ignore[no-untyped-def]
        release.wait(timeout=20)
        return load(self, complaint_id)

    monkeypatch.setattr(DeskService, "load_complaint", slow_load)
    small_store.add_note("T-3", "anna", "Called back.")
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        assert "T-3  loading…" in screen_text(app) and "Called back." not in screen_text(app)
        await pilot.press("tab")  # keys work meanwhile
        release.set()
        await wait_for(pilot, lambda: "Called back." in screen_text(app) and "Subject 3" in screen_text(app))


async def test_answers_that_come_back_out_of_order_are_handled_in_the_order_of_the_changes(
    small_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service stores changes in order; their answers travel on threads of their own. Posted here newest
    first, they are still taken oldest first: the message line ends on the last change."""
    held: list[tuple[Callable[[], object], Callable[[object, int], Message], int]] = []

    def hold(
        node: object, job: Callable[[], object], done: Callable[[object, int], Message], *_a: object, **keywords: object
    ) -> None:
        generation = keywords["generation"]
        assert isinstance(generation, int)
        held.append((job, done, generation))

    monkeypatch.setattr("console.screens.desk.in_background", hold)
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "j", "s")  # T-3, then T-2: open → waiting
        await wait_for(pilot, lambda: len(held) == 2)
        screen = app.screen
        for job, done, generation in reversed(held):
            screen.post_message(done(job(), generation))
        await wait_for(pilot, lambda: screen.pending_changes == 0)  # type: ignore[attr-defined]
        assert [line for line in notifications(app) if "status" in line] == ["T-2: status waiting"]
