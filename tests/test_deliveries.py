"""The deliveries log: a reply's tries at leaving by mail, claimed under the desk's lock so that none is sent
twice, kept by `check`, `backup` and `restore`, its Message-ID known to the desk for the customer's answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.store import Store
from console.store.deliveries import ReplyAlreadySent, ReplyBeingSent, ReplyMaybeSent
from console.store.integrity import backup, check, restore
from console.store.records import utc_now
from tests.conftest import make_complaint


@pytest.fixture
def store(tmp_path: Path) -> Store:
    desk = Store(tmp_path / "desk")
    desk.add_complaints([make_complaint(1), make_complaint(2)])
    desk.add_reply("T-1", "Hello", "en", "ivana", reply_id="r1")
    return desk


def test_a_claimed_reply_cannot_be_claimed_again_until_its_try_ends(store: Store) -> None:
    claim = store.begin_sending("r1", "T-1", "r1@shop.example", "ivana")
    with pytest.raises(ReplyBeingSent) as caught:
        Store(store.directory).begin_sending("r1", "T-1", "r1@shop.example", "maija")
    assert not isinstance(caught.value, ReplyMaybeSent) and caught.value.by == "ivana"
    assert store.send_states("T-1")["r1"].state == "sending"
    store.abandon_sending(claim, "refused")
    state = store.send_states("T-1")["r1"]
    assert (state.state, state.problem) == ("failed", "refused")
    again = store.begin_sending("r1", "T-1", "r1@shop.example", "maija")
    delivery = store.finish_sending(again, "smtp h:25 none", utc_now())
    assert store.deliveries("T-1") == [delivery]
    with pytest.raises(ReplyAlreadySent):
        store.begin_sending("r1", "T-1", "r1@shop.example", "ivana", again=True)  # --again never resends a sent one
    assert store.deliveries_by_complaint() == {"T-1": [delivery]}


def test_an_uncertain_end_is_sent_again_only_when_asked(store: Store) -> None:
    store.abandon_sending(store.begin_sending("r1", "T-1", "r1@shop.example", "ivana"), "timed out", uncertain=True)
    with pytest.raises(ReplyMaybeSent):
        store.begin_sending("r1", "T-1", "r1@shop.example", "ivana")
    store.finish_sending(store.begin_sending("r1", "T-1", "r1@shop.example", "ivana", again=True), "x", utc_now())
    assert len(store.deliveries("T-1")) == 1


def test_the_message_id_of_a_reply_being_sent_finds_its_complaint(store: Store) -> None:
    assert store.known_message_ids(["r1@shop.example"]) == {}
    store.begin_sending("r1", "T-1", "r1@shop.example", "ivana")
    assert Store(store.directory).known_message_ids(["r1@shop.example", "other@x"]) == {"r1@shop.example": "T-1"}


def test_check_backup_and_restore_keep_the_deliveries(store: Store, tmp_path: Path) -> None:
    claim = store.begin_sending("r1", "T-1", "r1@shop.example", "ivana")
    delivery = store.finish_sending(claim, "sendmail /usr/bin/msmtp", utc_now())
    assert check(store).ok
    archive = tmp_path / "backup.tar.gz"
    backup(store, archive)
    restored = tmp_path / "restored"
    assert restore(archive, restored).ok
    assert Store(restored).deliveries("T-1") == [delivery]
    assert not [path for path in restored.rglob("*.sending")]  # a try's lock file is not the desk's data


def test_check_names_a_damaged_or_misplaced_delivery(store: Store) -> None:
    store.finish_sending(store.begin_sending("r1", "T-1", "r1@shop.example", "ivana"), "x", utc_now())
    log = store.layout.log("deliveries", store.shard_of("T-1"))
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(lines[0] + lines[1].replace(b'"state":"sent"', b'"state":"lost"'))
    report = check(store)
    assert report.problems == [f"{log}: line 2 is not a delivery"]
    log.write_bytes(lines[0].replace(b'"complaint_id":"T-1"', b'"complaint_id":"T-9"'))
    assert check(store).problems == [f"{log}: line 1 belongs to 'T-9', not in this shard"]
