"""The first-response clock in the inbox, with a clock the test moves: each row shows the time left or, behind
a "!", how long overdue; the Overdue view and its count follow the clock as it passes, never hold a complaint
waiting on the customer or resolved, and let go of one as soon as it is answered (by this agent or another)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import pytest
from rich.segment import Segment

from console.app import ConsoleApp
from console.config import Config
from console.playbooks import Playbooks
from console.response_clock import LATEST_DUE
from console.store import Store
from console.widgets.inbox_list import InboxList
from tests.conftest import make_complaint, run_cli, screen_text, wait_for

BASE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class Clock:
    """The app's time source, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def desk(tmp_path: Path) -> Store:
    """All received at BASE: C-1 normal and open, C-2 urgent but waiting on the customer, C-3 high but
    resolved, C-4 low and open."""
    store = Store(tmp_path / "desk")
    store.add_complaints(
        [
            make_complaint(1, id="C-1", received=BASE, priority="normal"),
            make_complaint(2, id="C-2", received=BASE, priority="urgent", status="waiting"),
            make_complaint(3, id="C-3", received=BASE, priority="high", status="resolved"),
            make_complaint(4, id="C-4", received=BASE, priority="low"),
        ]
    )
    return store


def rows(app: ConsoleApp) -> dict[str, tuple[str, bool]]:
    listing = app.screen.query_one(InboxList)
    return {listing.row(n).id: (listing.row(n).due, listing.row(n).late) for n in range(listing.count)}


def late_segment(app: ConsoleApp, text: str) -> Segment:
    """The drawn piece of the screen whose text starts with `text` (the overdue cell, styled on its own)."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if segment.text.strip().startswith(text):
                return segment
    raise AssertionError(text)


async def test_a_complaint_turns_overdue_when_its_target_passes_and_stopped_clocks_never_do(
    desk: Store, playbooks: Playbooks
) -> None:
    clock = Clock(BASE + timedelta(hours=23))
    app = ConsoleApp(desk, playbooks, "tester", "en", now=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(InboxList).count == 4)
        assert rows(app) == {
            "C-1": ("1 hr", False),  # normal: 24 h, one left
            "C-2": ("", False),  # waiting on the customer: the clock stops
            "C-3": ("", False),  # resolved
            "C-4": ("2 days", False),  # low: 72 h, 49 left
        }
        assert "5 Overdue 0" in screen_text(app)
        clock.now = BASE + timedelta(hours=25)  # the next poll sees the minute turn
        await wait_for(pilot, lambda: "5 Overdue 1" in screen_text(app))
        assert rows(app)["C-1"] == ("!1 hr", True)
        late = late_segment(app, "!1 hr")
        assert late.style is not None and late.style.bold and late.style.color is not None
        clock.now = BASE + timedelta(days=30)
        await wait_for(pilot, lambda: "5 Overdue 2" in screen_text(app))
        assert {cid for cid, (_due, late) in rows(app).items() if late} == {"C-1", "C-4"}
        assert rows(app)["C-2"] == rows(app)["C-3"] == ("", False)


async def test_an_answer_from_another_agent_takes_the_row_out_of_the_overdue_view(
    desk: Store, playbooks: Playbooks
) -> None:
    app = ConsoleApp(desk, playbooks, "tester", "en", now=Clock(BASE + timedelta(days=4)))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(InboxList).count == 4)
        await pilot.press("5")
        await wait_for(pilot, lambda: set(rows(app)) == {"C-1", "C-4"})
        Store(desk.directory).add_reply("C-1", "Pahoittelemme viivästystä.", "fi", "anna")  # another agent
        await wait_for(pilot, lambda: set(rows(app)) == {"C-4"})  # seen at the next poll (1.5 s)
        assert "5 Overdue 1" in screen_text(app)
        await pilot.press("6")
        await wait_for(pilot, lambda: "C-1" in rows(app))
        assert rows(app)["C-1"] == ("", False)  # answered: no clock


async def test_the_overdue_query_goes_by_the_first_response_clock(desk: Store, playbooks: Playbooks) -> None:
    app = ConsoleApp(desk, playbooks, "tester", "en", now=Clock(BASE + timedelta(hours=30)))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(InboxList).count == 4)
        await pilot.press("f", *"overdue", "enter")
        await wait_for(pilot, lambda: set(rows(app)) == {"C-1"})  # C-2 waits on the customer, C-4 is low


async def test_without_colour_overdue_reads_from_its_mark(
    desk: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = ConsoleApp(desk, playbooks, "tester", "en", now=Clock(BASE + timedelta(hours=25)))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(InboxList).count == 4)
        line = next(line for line in screen_text(app).splitlines() if "Customer 1" in line)
        assert "!1 hr" in line
        line = next(line for line in screen_text(app).splitlines() if "Customer 4" in line)
        assert "1 day" in line and "!" not in line  # 47 h left of 72


async def test_targets_and_times_at_the_ends_of_the_calendar_neither_crash_nor_turn_overdue(
    tmp_path: Path, playbooks: Playbooks, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config's "999999d" reaches back past the year 1; an import may carry a complaint received in 9999,
    whose due time would pass the last date there is. Both were an OverflowError in the inbox and the CLI."""
    store = Store(tmp_path / "desk")
    far = datetime(9999, 12, 31, 20, 0, tzinfo=UTC)
    store.add_complaints(
        [make_complaint(1, id="C-1", received=BASE, priority="low"), make_complaint(2, id="F-1", received=far)]
    )
    config = Config(response_targets=MappingProxyType({"low": timedelta(days=999999)}))
    app = ConsoleApp(store, playbooks, "tester", "en", now=Clock(BASE + timedelta(days=400)), config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(InboxList).count == 2)
        assert "5 Overdue 0" in screen_text(app)
        assert not any(late for _due, late in rows(app).values())
    config_file = tmp_path / "config.toml"
    config_file.write_text('[response]\nlow = "999999d"\n', encoding="utf-8")
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(config_file))
    status, out, err = run_cli(capsys, "--data-dir", str(store.directory), "list", "--format", "json")
    assert (status, err) == (0, "")
    listed = {entry["id"]: entry for entry in json.loads(out)}
    assert listed["F-1"]["first_response_due"] == LATEST_DUE.isoformat() and not listed["F-1"]["overdue"]
    assert not listed["C-1"]["overdue"]
    assert run_cli(capsys, "--data-dir", str(store.directory), "export", "--format", "csv")[0] == 0


async def test_the_complaint_screen_shows_the_clock_where_the_agent_answers(
    tmp_path: Path, playbooks: Playbooks
) -> None:
    store = Store(tmp_path / "one")
    store.add_complaints([make_complaint(1, id="C-1", received=BASE, priority="urgent")])
    clock = Clock(BASE + timedelta(minutes=20))
    app = ConsoleApp(store, playbooks, "tester", "fi", now=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(InboxList).count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "vastausaikaa 40 min" in screen_text(app))  # urgent: an hour
        clock.now = BASE + timedelta(hours=2)
        await pilot.press("escape", "enter")
        await wait_for(pilot, lambda: "vastaus myöhässä 1 t" in screen_text(app))  # in words: no colour needed
        Store(store.directory).add_reply("C-1", "Pahoittelemme.", "fi", "anna", at=BASE + timedelta(hours=2))
        await wait_for(pilot, lambda: "vastattu 2 t kuluttua" in screen_text(app))  # seen at the next poll
        assert "myöhässä" not in screen_text(app)


async def test_a_complaint_waiting_on_the_customer_shows_no_clock(desk: Store, playbooks: Playbooks) -> None:
    app = ConsoleApp(desk, playbooks, "tester", "en", now=Clock(BASE + timedelta(days=30)))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(InboxList).count == 4)
        await pilot.press("4", "enter")  # the Waiting view: C-2 alone
        await wait_for(pilot, lambda: "C-2" in screen_text(app) and "Status: waiting" in screen_text(app))
        assert "reply overdue" not in screen_text(app) and "reply due" not in screen_text(app)
