"""Damaged files: named, left byte for byte, the rest of the desk still usable; `check` finds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.store import Store, StoreCorrupt
from console.store.integrity import check
from tests.conftest import make_complaint

DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "garbage": lambda raw: b"\x00\x01garbage",
    "not TinyDB": lambda raw: b"[1, 2]",
    "wrong values": lambda raw: raw.replace(b'"status":"open"', b'"status":42', 1),
}


@pytest.fixture
def big_store(tmp_path: Path) -> Store:
    """Two shards: T-1…T-256 in the first, T-257…T-300 in the second."""
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(number) for number in range(1, 301)])
    store.add_note("T-1", "anna", "in the damaged shard")
    store.add_note("T-300", "anna", "in the healthy shard")
    return store


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_shard_is_named_left_untouched_and_the_rest_still_works(big_store: Store, kind: str) -> None:
    shard = big_store.directory / "shards" / "00000.json"
    damaged = DAMAGE[kind](shard.read_bytes())
    shard.write_bytes(damaged)
    (big_store.directory / "shards" / "00000.inbox.json").unlink()  # nothing to fall back on

    store = Store(big_store.directory)
    inbox = store.inbox()
    assert [error.path for error in inbox.damaged] == [shard]
    assert len(inbox) == 44  # the second shard still shows
    with pytest.raises(StoreCorrupt, match=r"00000\.json"):
        store.complaint("T-1")
    with pytest.raises(StoreCorrupt, match=r"00000\.json"):
        store.set_field("T-5", "status", "waiting", "anna")  # a shard with damage in it is never rewritten
    store.set_field("T-300", "status", "waiting", "anna")  # other shards take changes
    store.add_note("T-300", "anna", "still working")
    assert [note.text for note in store.notes("T-300")] == ["in the healthy shard", "still working"]
    assert shard.read_bytes() == damaged

    report = check(store)
    assert not report.ok
    assert any("00000.json" in problem for problem in report.problems)
    assert shard.read_bytes() == damaged


def test_a_damaged_note_log_is_named_and_never_appended_to(big_store: Store) -> None:
    log = big_store.directory / "notes" / "00000.jsonl"
    damaged = log.read_bytes().replace(b'"text"', b'"te', 1)
    log.write_bytes(damaged)
    with pytest.raises(StoreCorrupt, match=r"00000\.jsonl.*line 1"):
        big_store.notes("T-1")
    with pytest.raises(StoreCorrupt, match=r"00000\.jsonl"):
        big_store.add_note("T-2", "anna", "x")
    assert log.read_bytes() == damaged
    assert big_store.complaint("T-1").id == "T-1"  # the complaint itself still opens
    assert any("00000.jsonl" in problem for problem in check(big_store).problems)


def test_an_unfinished_last_note_is_what_a_killed_writer_leaves_and_it_never_counted(big_store: Store) -> None:
    log = big_store.directory / "notes" / "00000.jsonl"
    with log.open("ab") as file:
        file.write(b'{"complaint_id":"T-1","author":"anna","at":"2026-11-2')
    assert [note.text for note in big_store.notes("T-1")] == ["in the damaged shard"]
    report = check(big_store)
    assert report.ok and any("unfinished" in notice for notice in report.notices)
    big_store.add_note("T-1", "bob", "after the crash")
    assert [note.text for note in big_store.notes("T-1")] == ["in the damaged shard", "after the crash"]
    assert check(big_store).notices == []


def test_a_damaged_meta_file_refuses_cleanly_and_stays(big_store: Store) -> None:
    meta = big_store.directory / "store.json"
    meta.write_bytes(b'{"meta": {"1": ')
    with pytest.raises(StoreCorrupt, match=r"store\.json"):
        Store(big_store.directory)
    assert meta.read_bytes() == b'{"meta": {"1": '


def test_check_passes_on_a_healthy_desk_and_counts_it(big_store: Store) -> None:
    big_store.set_step("T-2", "cancellation", "ask", True, "anna")
    report = check(big_store)
    assert report.ok, report.problems
    assert (report.complaints, report.notes) == (300, 2)


def test_check_finds_parts_that_disagree(big_store: Store) -> None:
    import json

    route = next(path for path in (big_store.directory / "routes").iterdir())
    data = json.loads(route.read_text("utf-8"))
    first = next(iter(data["routes"].values()))
    first["shard"] = 7
    route.write_text(json.dumps(data), encoding="utf-8")
    (big_store.directory / "messages" / "00001.json").unlink()
    problems = check(big_store).problems
    assert any("routed to the wrong shard" in problem for problem in problems)
    assert any("message of 'T-257' is missing" in problem for problem in problems)
