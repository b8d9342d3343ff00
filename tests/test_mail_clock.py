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


def test_an_answer_to_our_sent_reply_dated_before_it_still_reopens_and_comes_after_it(tmp_path: Path) -> None:
    """The customer's clock runs five minutes slow: their answer's Date is before our reply was sent. It answers
    that reply (In-Reply-To its Message-ID), so it came after it: shown after it, the complaint open again."""
    from console.mail_import import MailImporter
    from console.mail_reader import Position
    from tests.mail_samples import mail

    store = Store(tmp_path / "desk")
    sent_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    store.add_mail([make_complaint(1, id="R-1", received=sent_at - timedelta(hours=2), message_id="r1@x")], [])
    reply = store.add_reply("R-1", "Refunded.", "en", "anna", at=sent_at - timedelta(seconds=3))
    claim = store.begin_sending(reply.id, "R-1", f"{reply.id}@shop.example", "anna")
    store.finish_sending(claim, "smtp", sent_at)
    store.set_field("R-1", "status", "resolved", "anna")
    answer = mail("Not on my card yet.", message_id="<a2@customer.example>", when=sent_at - timedelta(minutes=5),
                  sender="Customer <c1@example.com>",  # the complaint's customer: only they join (mail_import)
                  headers=(("In-Reply-To", f"<{reply.id}@shop.example>"),))  # fmt: skip
    importer = MailImporter(store, "complaint", shop="help@shop.example")
    result = importer.import_messages([(Position(1), answer)])
    assert (result.joined, result.reopened) == (1, ("R-1",))
    (message,) = store.customer_messages("R-1")
    assert message.at == sent_at
    complaint = store.complaint("R-1")
    assert (complaint.status, complaint.clock_from, complaint.first_response_at) == ("open", sent_at, None)


async def test_the_inbox_marks_a_complaint_whose_customer_wrote_again_until_it_is_answered(
    desk: Store, playbooks: Playbooks
) -> None:
    app = ConsoleApp(desk, playbooks, "tester", "en", now=Clock(FOLLOW_UP + timedelta(hours=1)))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one(InboxList).count == 2)
        text = screen_text(app)
        assert "↩ Subject 1" in text and "↩ Subject 2" not in text and "Subject 2" in text
    desk.add_reply("R-1", "Sent again today.", "en", "anna", at=FOLLOW_UP + timedelta(hours=2))
    again = ConsoleApp(Store(desk.directory), playbooks, "tester", "en", now=Clock(FOLLOW_UP + timedelta(hours=3)))
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: again.screen.query_one(InboxList).count == 2)
        assert "↩" not in screen_text(again) and "Subject 1" in screen_text(again)
