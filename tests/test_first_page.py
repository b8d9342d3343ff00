"""A big desk shows its first rows at once, from the page the last full load kept — and only while that
page is exactly what the full load will show."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from console.desk import DeskService, InboxLoad
from console.first_page import page_path, read_page
from console.playbooks import Playbooks
from console.screens.complaint import ComplaintScreen
from console.screens.inbox import InboxScreen
from console.seeding import seed_store
from console.store import Store
from console.views import view_counts
from console.widgets.inbox_list import InboxList
from tests.conftest import make_app, screen_text, wait_for

SHOWN = 40


@pytest.fixture
def big(tmp_path: Path, playbooks: Playbooks) -> Store:
    """Six shards: more than the inbox loads on its own thread."""
    store = Store(tmp_path / "big")
    seed_store(store, 1300, 7, playbooks)
    return store


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The inbox's load waits (in its worker) until the event is set: what is on screen meanwhile is what
    an agent sees while a big desk loads."""
    release = threading.Event()
    load = DeskService.load_inbox

    def held_load(self: DeskService, progress: Callable[[int, int], None], first: bool = False) -> InboxLoad:
        release.wait(timeout=20)
        return load(self, progress, first)

    monkeypatch.setattr(DeskService, "load_inbox", held_load)
    yield release
    release.set()


def loaded(app) -> bool:  # type: ignore[no-untyped-def]
    return isinstance(app.screen, InboxScreen) and app.screen.model is not None


def rows(app) -> list[str]:  # type: ignore[no-untyped-def]
    listing = app.screen.query_one(InboxList)
    return [listing.row(position).id for position in range(min(listing.count, SHOWN))]


async def first_start(store: Store, playbooks: Playbooks, agent: str = "tester") -> tuple[list[str], str]:
    """Start, load in full, quit: the rows and the views line it showed."""
    app = make_app(store, playbooks, agent=agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await app.workers.wait_for_complete()  # the first page is kept once the rows are shown
        await pilot.pause()
        assert app.screen.model is not None
        return rows(app), screen_text(app).splitlines()[1]


async def wait_for_rows(app, pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(100):
        if app.screen.query_one(InboxList).count:
            return
        await pilot.pause(0.02)


async def test_the_next_start_shows_the_first_rows_before_the_desk_has_loaded(
    big: Store, playbooks: Playbooks, held: threading.Event
) -> None:
    held.set()
    shown, views = await first_start(big, playbooks)
    assert page_path(big.directory, "tester").exists()
    held.clear()

    app = make_app(big, playbooks)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(app, pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen) and screen.model is None  # still loading
        assert rows(app) == shown
        text = screen_text(app)
        assert text.splitlines()[1] == views and "1,300 shown" in text
        await pilot.press("j", "j")
        assert screen.inbox.current_id == shown[2]
        await pilot.press("G")  # far below the kept rows: a placeholder, which opens nothing
        assert screen.inbox.cursor == 1299 and screen.inbox.current_id is None
        await pilot.press("enter")
        assert app.screen is screen
        await pilot.press("g", "enter")
        assert isinstance(app.screen, ComplaintScreen) and app.screen.complaint_id == shown[0]
        await pilot.press("escape")

        held.set()
        await wait_for(pilot, lambda: loaded(app))
        await app.workers.wait_for_complete()  # the first page is kept once the rows are shown
        await pilot.pause()
        assert screen.model is not None and screen.page is None
        assert rows(app) == shown  # the full load shows what the kept page showed


async def test_the_kept_rows_are_in_the_very_first_frame(
    big: Store, playbooks: Playbooks, held: threading.Event
) -> None:
    held.set()
    shown, _views = await first_start(big, playbooks)
    held.clear()
    app = make_app(big, playbooks)
    frames: list[int] = []
    display = app._display

    def recording_display(screen, renderable):  # type: ignore[no-untyped-def]
        display(screen, renderable)
        if renderable is not None:
            frames.append(screen.query_one(InboxList).count if screen.query(InboxList) else 0)

    app._display = recording_display  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert frames and frames[0] == 1300  # no empty frame first: the agent sees rows as soon as anything
        assert rows(app) == shown and app.screen.model is None
        held.set()  # the load may finish now: the app's teardown waits for its worker thread


async def test_a_change_to_the_desk_or_another_agent_gets_no_kept_page(
    big: Store, playbooks: Playbooks, held: threading.Event
) -> None:
    held.set()
    shown, _views = await first_start(big, playbooks)
    big.set_field(shown[0], "status", "resolved", "someone")  # by anyone, through any command
    held.clear()
    for agent in ("tester", "other"):
        app = make_app(big, playbooks, agent=agent)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.3)
            assert app.screen.query_one(InboxList).count == 0
            assert "loading" in screen_text(app)
            held.set()
            await wait_for(pilot, partial(loaded, app))
            await app.workers.wait_for_complete()  # the first page is kept once the rows are shown
            await pilot.pause()
            assert rows(app)[0] != shown[0]  # resolved: it went down
            held.clear()
    now = datetime.now().astimezone()
    assert read_page(big.directory, "tester", big.stamp(), now) is not None  # kept again, for each agent
    assert read_page(big.directory, "other", big.stamp(), now) is not None


async def test_choosing_another_view_while_loading_drops_the_kept_page(
    big: Store, playbooks: Playbooks, held: threading.Event
) -> None:
    held.set()
    await first_start(big, playbooks)
    held.clear()
    app = make_app(big, playbooks)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(app, pilot)
        await pilot.press("2")  # Unassigned: not what the page holds
        assert app.screen.query_one(InboxList).count == 0
        held.set()
        await wait_for(pilot, lambda: loaded(app))
        await app.workers.wait_for_complete()  # the first page is kept once the rows are shown
        await pilot.pause()
        assert "[2 Unassigned" in screen_text(app) and app.screen.query_one(InboxList).count > 0


async def test_the_pages_overdue_count_follows_the_clock_as_a_full_load_would(
    big: Store, playbooks: Playbooks, held: threading.Event
) -> None:
    held.set()
    await first_start(big, playbooks)
    index = big.inbox()
    now = datetime.now(UTC)
    counts = []
    for later in (timedelta(0), timedelta(minutes=50), timedelta(hours=5), timedelta(days=2), timedelta(days=4)):
        page = read_page(big.directory, "tester", big.stamp(), now + later)
        assert page is not None  # time alone never makes the page wrong: it is worked out again
        assert page.counts == view_counts(index, "tester", now + later)
        counts.append(page.counts["overdue"])
    assert counts == sorted(counts) and counts[-1] > counts[0]  # complaints did become overdue meanwhile


async def test_a_damaged_page_is_ignored_quietly_and_kept_anew(
    big: Store, playbooks: Playbooks, held: threading.Event
) -> None:
    held.set()
    await first_start(big, playbooks)
    path = page_path(big.directory, "tester")
    path.write_text('{"format": 1, "rows": [["torn')
    app = make_app(big, playbooks)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await app.workers.wait_for_complete()  # the first page is kept once the rows are shown
        await pilot.pause()
        assert not app._notifications  # a cache: nothing for the agent to act on
        assert rows(app)
    assert read_page(big.directory, "tester", big.stamp(), datetime.now().astimezone()) is not None
