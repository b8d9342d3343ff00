"""A resolved complaint, answered long ago, gets a later message from the customer: it is open again and its
first-response clock runs from that message (the inbox's cell, the Overdue view and `overdue`, the JSON
export's clock), until a reply stops it again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.app import ConsoleApp
from console.playbooks import Playbooks
from console.store import CustomerMessage, Store
from console.widgets.inbox_list import InboxList
from tests.conftest import make_complaint, run_cli, screen_text, wait_for
from tests.test_first_response_inbox import BASE, Clock, rows

FOLLOW_UP = BASE + timedelta(days=10)


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """R-1 (high: 4 h) came at BASE, was answered an hour later and resolved; ten days on the customer
    writes again. O-1 (normal) is open and unanswered since BASE, to compare."""
    monkeypatch.setenv("AGENT_CONSOLE_DATA", str(tmp_path / "desk"))
    store = Store(tmp_path / "desk")
    store.add_mail([make_complaint(1, id="R-1", received=BASE, priority="high", message_id="r1@shop.example")], [])
    store.add_complaints([make_complaint(2, id="O-1", received=BASE)])
    store.add_reply("R-1", "Refunded.", "en", "anna", at=BASE + timedelta(hours=1))
    store.set_field("R-1", "status", "resolved", "anna")
    store.add_mail([], [CustomerMessage("again@customer.example", "R-1", "The refund never came.", FOLLOW_UP)])
    return store


async def test_a_follow_up_reopens_and_the_clock_runs_from_it_until_a_reply(desk: Store, playbooks: Playbooks) -> None:
    clock = Clock(FOLLOW_UP + timedelta(hours=3))
    app = ConsoleApp(desk, playbooks, "tester", "en", now=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(InboxList).count == 2)
        assert rows(app)["R-1"] == ("1 hr", False)  # high: 4 h from the follow-up, not from BASE
        assert rows(app)["O-1"][1]  # long overdue, for comparison
        assert "5 Overdue 1" in screen_text(app)
        clock.now = FOLLOW_UP + timedelta(hours=5)
        await wait_for(pilot, lambda: "5 Overdue 2" in screen_text(app))
        assert rows(app)["R-1"] == ("!1 hr", True)
        await pilot.press("f", *"overdue", "enter")
        await wait_for(pilot, lambda: set(rows(app)) == {"R-1", "O-1"})
    desk.add_reply("R-1", "Sent again today.", "en", "anna", at=FOLLOW_UP + timedelta(hours=6))
    again = ConsoleApp(Store(desk.directory), playbooks, "tester", "en", now=Clock(FOLLOW_UP + timedelta(days=1)))
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: again.screen.query_one(InboxList).count == 2)
        assert rows(again)["R-1"] == ("", False) and "5 Overdue 1" in screen_text(again)


def test_the_json_list_gives_the_clock_from_the_follow_up(desk: Store, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run_cli(capsys, "export", "--format", "json")  # the lossless export: the stored field
    exported = {record["id"]: record for record in json.loads(out)["complaints"]}
    assert status == 0 and exported["R-1"]["clock_from"] == FOLLOW_UP.isoformat()
    status, out, _err = run_cli(capsys, "list", "--format", "json")  # the clock worked out from it
    assert status == 0
    listed = {record["id"]: record for record in json.loads(out)}
    assert listed["R-1"]["status"] == "open"
    assert listed["R-1"]["first_response_due"] == (FOLLOW_UP + timedelta(hours=4)).isoformat()
    assert listed["R-1"]["first_response_at"] is None
    assert listed["O-1"]["overdue"]
    assert listed["R-1"]["overdue"] == (datetime.now(UTC) > FOLLOW_UP + timedelta(hours=4))  # by the real clock
