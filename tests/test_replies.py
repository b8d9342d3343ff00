"""Replies are an append-only table like notes: stored once however often a save is retried, kept across a
restart, checked, backed up and restored; the first one stamps the complaint's first response. A desk of
schema 3 (before replies) opens, is brought to schema 4 and takes replies."""

from __future__ import annotations

import json
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.playbooks import Playbooks
from console.store import Store
from console.store.integrity import backup, check, restore
from console.store.records import new_reply_id
from console.store.tinystore import SCHEMA_VERSION
from console.views import overdue_rows

SCHEMA_3_DESK = Path(__file__).parent / "data" / "desk-v3.tar.gz"


def test_a_reply_is_stored_and_survives_a_restart(small_store: Store) -> None:
    reply = small_store.add_reply("T-1", "Pahoittelemme viivästystä.", "fi", "anna")
    again = Store(small_store.directory)
    stored = again.replies("T-1")
    assert [(r.id, r.text, r.language, r.author) for r in stored] == [
        (reply.id, "Pahoittelemme viivästystä.", "fi", "anna")
    ]
    assert stored[0].at == reply.at and again.replies("T-2") == []


def test_a_reply_retried_with_its_id_is_stored_once(small_store: Store) -> None:
    reply_id = new_reply_id()
    first = small_store.add_reply("T-1", "Thank you for waiting.", "en", "anna", reply_id)
    second = small_store.add_reply("T-1", "Thank you for waiting.", "en", "anna", reply_id)
    assert second == first
    assert len(small_store.replies("T-1")) == 1


def test_the_first_reply_sets_the_first_response_and_later_ones_keep_it(small_store: Store) -> None:
    assert small_store.complaint("T-1").first_response_at is None
    first_at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    small_store.add_reply("T-1", "First answer.", "en", "anna", at=first_at)
    small_store.add_reply("T-1", "Second answer.", "en", "bob", at=first_at + timedelta(hours=2))
    assert small_store.complaint("T-1").first_response_at == first_at
    assert small_store.complaint("T-2").first_response_at is None
    index = small_store.inbox()
    row = index.ids.index("T-1")
    assert index.summary(row).first_response == first_at.isoformat()


def test_an_answered_complaint_leaves_the_overdue_rows(small_store: Store) -> None:
    index = small_store.inbox()
    now = datetime.now(UTC)  # the small desk's complaints are days old: all past the normal 24 h
    assert {index.ids[row] for row in overdue_rows(index, now)} == {"T-1", "T-2", "T-3"}
    small_store.add_reply("T-2", "We are on it.", "en", "anna")
    index = small_store.inbox()
    assert {index.ids[row] for row in overdue_rows(index, now)} == {"T-1", "T-3"}


def test_an_unknown_complaint_gets_no_reply_and_no_log(small_store: Store) -> None:
    from console.store import UnknownComplaint

    with pytest.raises(UnknownComplaint):
        small_store.add_reply("NOPE", "text", "en", "anna")
    assert not any((small_store.directory / "replies").glob("*.jsonl"))


def test_replies_are_checked_backed_up_and_restored(small_store: Store, tmp_path: Path) -> None:
    small_store.add_reply("T-1", "Hvala na strpljenju.", "hr", "ana")
    small_store.add_reply("T-3", "Aitäh!", "et", "anna")
    report = check(small_store)
    assert report.ok, report.problems
    assert (report.replies, report.notes) == (2, 0)
    archive = tmp_path / "backup.tar.gz"
    backup(small_store, archive)
    with tarfile.open(archive) as packed:
        assert "replies/00000.jsonl" in packed.getnames()
    assert restore(archive, tmp_path / "restored").replies == 2
    restored = Store(tmp_path / "restored")
    assert [r.text for r in restored.replies("T-1")] == ["Hvala na strpljenju."]
    assert restored.complaint("T-3").first_response_at == small_store.complaint("T-3").first_response_at


def test_check_names_a_reply_line_that_is_not_a_reply(small_store: Store) -> None:
    small_store.add_reply("T-1", "Fine.", "en", "anna")
    log = small_store.directory / "replies" / "00000.jsonl"
    with log.open("ab") as file:
        file.write(b'{"id": "x", "complaint_id": "T-1"}\n')
    report = check(small_store)
    assert not report.ok
    assert any("replies/00000.jsonl: line 2 is not a reply" in problem for problem in report.problems)


@pytest.fixture
def schema_3_desk(tmp_path: Path) -> Path:
    """A desk written by the release before replies (schema 3): three complaints, S-2 waiting, a note."""
    with tarfile.open(SCHEMA_3_DESK) as archive:
        archive.extractall(tmp_path, filter="data")
    return tmp_path / "desk3"


def test_a_schema_3_desk_opens_reaches_schema_4_and_takes_replies(schema_3_desk: Path) -> None:
    inbox_before = json.loads((schema_3_desk / "shards" / "00000.inbox.json").read_text("utf-8"))
    assert "first_response" not in inbox_before
    store = Store(schema_3_desk)
    meta = json.loads((schema_3_desk / "store.json").read_text("utf-8"))["meta"]["1"]
    assert (meta["schema"], meta.get("migrating")) == (SCHEMA_VERSION, False)
    inbox_after = json.loads((schema_3_desk / "shards" / "00000.inbox.json").read_text("utf-8"))
    assert inbox_after["first_response"] == ["", "", ""]  # made again: the inbox never falls back to the shard
    assert [n.text for n in store.notes("S-1")] == ["Soitin asiakkaalle."]
    assert store.complaint("S-2").status == "waiting"
    assert store.replies("S-1") == []
    store.add_reply("S-1", "Pahoittelemme.", "fi", "anna")
    assert Store(schema_3_desk).complaint("S-1").first_response_at is not None
    assert check(store).ok


def test_a_schema_3_migration_killed_part_way_finishes_on_the_next_open(
    schema_3_desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.store import migration

    def killed(_store: Store) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(migration, "_renew_inbox_files", killed)
    with pytest.raises(KeyboardInterrupt):
        Store(schema_3_desk)
    monkeypatch.undo()
    meta = json.loads((schema_3_desk / "store.json").read_text("utf-8"))["meta"]["1"]
    assert (meta["schema"], meta["migrating"]) == (SCHEMA_VERSION, 3)  # an older agent-console refuses it now
    store = Store(schema_3_desk)
    assert json.loads((schema_3_desk / "store.json").read_text("utf-8"))["meta"]["1"]["migrating"] is False
    assert "first_response" in json.loads((schema_3_desk / "shards" / "00000.inbox.json").read_text("utf-8"))
    assert check(store).ok


def test_drafts_survive_a_restart_and_empty_text_forgets_one(small_store: Store) -> None:
    at = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
    small_store.save_draft("T-1", "reply", "anna", "Hyvä asiakas,\n", "fi", at=at)
    small_store.save_draft("T-1", "note", "anna", "soita huomenna", "fi", at=at)
    small_store.save_draft("T-2", "reply", "bob", "Dear customer,", "en", at=at)
    again = Store(small_store.directory)
    mine = again.drafts("anna")
    assert {key: (d.text, d.language, d.at) for key, d in mine.items()} == {
        ("T-1", "reply"): ("Hyvä asiakas,\n", "fi", at),
        ("T-1", "note"): ("soita huomenna", "fi", at),
    }
    again.save_draft("T-1", "reply", "anna", "", "fi")
    assert set(Store(small_store.directory).drafts("anna")) == {("T-1", "note")}
    assert set(again.drafts("bob")) == {("T-2", "reply")}


def test_a_damaged_drafts_file_is_set_aside_with_one_line_and_drafts_start_afresh(small_store: Store) -> None:
    from console import labels
    from console.store.drafts import DraftsSetAside, drafts_file

    small_store.save_draft("T-1", "reply", "anna", "kept text", "fi")
    path = drafts_file(small_store.directory, "anna")
    path.write_bytes(b'{"format": 1, "author": "anna", "drafts": [[[')
    with pytest.raises(DraftsSetAside) as raised:
        small_store.drafts("anna")
    said = labels.store_error(raised.value)
    assert "\n" not in said and path.name in said and raised.value.kept.name in said
    assert raised.value.kept.read_bytes() == b'{"format": 1, "author": "anna", "drafts": [[['  # kept, as it was
    assert small_store.drafts("anna") == {}
    small_store.save_draft("T-2", "note", "anna", "new", "en")
    assert set(small_store.drafts("anna")) == {("T-2", "note")}


def test_a_link_in_place_of_a_drafts_file_is_never_written_through(small_store: Store, tmp_path: Path) -> None:
    from console.store.drafts import DraftsSetAside, drafts_file

    target = tmp_path / "elsewhere.json"
    target.write_text("mine", encoding="utf-8")
    path = drafts_file(small_store.directory, "anna")
    path.parent.mkdir(exist_ok=True)
    path.symlink_to(target)
    with pytest.raises(DraftsSetAside):
        small_store.save_draft("T-1", "reply", "anna", "text", "en")
    assert target.read_text("utf-8") == "mine"
    assert not path.is_symlink() and set(small_store.drafts("anna")) == {("T-1", "reply")}


def test_the_desk_service_stores_a_reply_once_and_loads_it_with_the_complaint(
    small_store: Store, playbooks: Playbooks
) -> None:
    from console.desk import AddReply, DeskService, SaveDraft

    moment = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    service = DeskService(small_store, playbooks, "anna", now=lambda: moment)
    edit = AddReply("T-1", "Hvala.", "hr", new_reply_id())
    outcome = service.submit(edit).result()
    assert outcome.reply is not None and outcome.reply.at == moment
    assert outcome.complaint is not None and outcome.complaint.first_response_at == moment
    assert service.submit(edit).result().reply == outcome.reply  # sent again: stored once
    service.submit(SaveDraft("T-1", "note", "Nazvati sutra.", "hr")).result()
    load = service.load_complaint("T-1")
    assert [(r.text, r.author) for r in load.replies] == [("Hvala.", "anna")]
    assert {kind: d.text for kind, d in load.drafts.items()} == {"note": "Nazvati sutra."}
    assert load.drafts_problem is None
    service.leave()


def test_a_draft_saved_over_a_damaged_file_is_kept_and_the_damage_said(
    small_store: Store, playbooks: Playbooks
) -> None:
    from console.desk import DeskService, SaveDraft
    from console.store.drafts import DraftsSetAside, drafts_file

    service = DeskService(small_store, playbooks, "anna")
    path = drafts_file(small_store.directory, "anna")
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"\xff not json")
    outcome = service.submit(SaveDraft("T-2", "reply", "Dear customer,", "en")).result()
    assert isinstance(outcome.warning, DraftsSetAside)
    load = service.load_complaint("T-2")
    assert load.drafts["reply"].text == "Dear customer," and load.drafts_problem is None
    service.leave()


def test_a_first_reply_whose_shard_cannot_be_written_keeps_neither(
    small_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from console.store import StoreUnavailable

    real_replace = os.replace
    shard = small_store.directory / "shards" / "00000.json"

    def full_disk_for_the_shard(source: object, target: object) -> None:
        if Path(str(target)) == shard:
            raise OSError(28, "No space left on device")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr("os.replace", full_disk_for_the_shard)
    with pytest.raises(StoreUnavailable):
        small_store.add_reply("T-1", "Hello.", "en", "anna")
    monkeypatch.undo()
    assert small_store.replies("T-1") == [] and small_store.complaint("T-1").first_response_at is None
    assert not (small_store.directory / "replies" / "00000.jsonl").exists()  # the new log went with it
    assert check(small_store).ok


def test_a_torn_last_reply_line_is_ignored_and_cut_by_the_next_reply(small_store: Store) -> None:
    small_store.add_reply("T-1", "First.", "en", "anna")
    log = small_store.directory / "replies" / "00000.jsonl"
    with log.open("ab") as file:
        file.write(b'{"id":"x","complaint_id":"T-1","text":"Sec')
    assert [r.text for r in small_store.replies("T-1")] == ["First."]
    report = check(small_store)
    assert report.ok and any("unfinished reply" in notice for notice in report.notices)
    small_store.add_reply("T-1", "Second.", "en", "anna")
    assert [r.text for r in Store(small_store.directory).replies("T-1")] == ["First.", "Second."]
    assert log.read_bytes().count(b"\n") == 2 and check(small_store).notices == []
