from pathlib import Path

import pytest

from console.store import Store, StoreUnavailable, UnknownComplaint
from tests.conftest import make_complaint


def test_notes_ticks_and_changes_survive_reopening(small_store: Store) -> None:
    small_store.add_note("T-1", "anna", "Called back, left a message.")
    small_store.set_step("T-1", "cancellation", "apologise", True, "anna")
    small_store.set_field("T-1", "status", "waiting", "anna")
    small_store.set_field("T-1", "priority", "high", "bob")

    reopened = Store(small_store.directory)
    complaint = reopened.complaint("T-1")
    tick = complaint.tick("cancellation", "apologise")
    assert tick is not None and tick.by == "anna" and tick.at.tzinfo is not None
    assert (complaint.status, complaint.priority) == ("waiting", "high")
    [note] = reopened.notes("T-1")
    assert (note.author, note.text) == ("anna", "Called back, left a message.")
    assert note.at.utcoffset().total_seconds() == 0
    changes = [(change.field, change.old, change.new, change.by) for change in reopened.history("T-1")]
    assert changes == [
        ("step", None, "cancellation/apologise", "anna"),
        ("status", "open", "waiting", "anna"),
        ("priority", "normal", "high", "bob"),
    ]


def test_unticking_removes_the_tick_and_is_recorded(small_store: Store) -> None:
    small_store.set_step("T-2", "cancellation", "ask", True, "anna")
    complaint = small_store.set_step("T-2", "cancellation", "ask", False, "bob")
    assert complaint.tick("cancellation", "ask") is None
    assert [change.new for change in small_store.history("T-2")] == ["cancellation/ask", None]


def test_notes_are_appended_in_order_and_never_replaced(small_store: Store) -> None:
    for text in ("first", "second", "third"):
        small_store.add_note("T-3", "anna", text)
    assert [note.text for note in small_store.notes("T-3")] == ["first", "second", "third"]
    assert small_store.notes("T-1") == []


def test_adding_the_same_complaints_again_adds_nothing(small_store: Store) -> None:
    again = small_store.add_complaints([make_complaint(1), make_complaint(4), make_complaint(4)])
    assert (again.added, again.already_present) == (1, 1)
    assert sorted(complaint.id for complaint in small_store.complaints()) == ["T-1", "T-2", "T-3", "T-4"]


def test_complaints_come_newest_first(small_store: Store) -> None:
    assert [complaint.id for complaint in small_store.complaints()] == ["T-3", "T-2", "T-1"]


def test_an_unknown_id_is_a_clear_error(small_store: Store) -> None:
    with pytest.raises(UnknownComplaint, match="'T-9'"):
        small_store.add_note("T-9", "anna", "x")


def test_a_desk_locked_too_long_is_a_clear_error_and_changes_nothing(small_store: Store) -> None:
    from filelock import FileLock

    from console.store import StoreLocked

    before = _snapshot(small_store.directory)
    with FileLock(small_store.directory / ".desk.lock"):
        impatient = Store(small_store.directory, lock_timeout=0.2)
        with pytest.raises(StoreLocked, match="locked by another agent-console"):
            impatient.add_note("T-1", "anna", "waiting for the lock")
        assert [c.id for c in impatient.complaints()] == ["T-3", "T-2", "T-1"]  # reading needs no lock
    assert _snapshot(small_store.directory) == before


def test_two_agents_cycling_status_at_once_both_count(small_store: Store) -> None:
    from console.store import STATUSES

    anna, bob = Store(small_store.directory), Store(small_store.directory)
    anna.cycle_field("T-1", "status", STATUSES, "anna")
    bob.cycle_field("T-1", "status", STATUSES, "bob")  # bob's screen still showed "open"
    assert small_store.complaint("T-1").status == "resolved"


def test_a_folder_where_a_file_should_be_is_a_clear_error(small_store: Store) -> None:
    from console.store import StoreUnavailable

    (small_store.directory / ".desk.lock").unlink(missing_ok=True)
    (small_store.directory / ".desk.lock").mkdir()
    with pytest.raises(StoreUnavailable, match=r"\.desk\.lock"):
        small_store.add_note("T-1", "anna", "x")


def _snapshot(directory: Path) -> dict[str, bytes]:
    """Every data file's bytes (the lock and presence files aside)."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name not in (".desk.lock", ".changes") and "presence" not in path.parts
    }


def _files(directory: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(directory)): (path.stat().st_mtime_ns, path.stat().st_ino)
        for path in directory.rglob("*")
        if path.is_file() and path.name not in (".desk.lock", ".changes")
    }


def test_complaints_fill_shards_of_256_and_a_change_rewrites_only_its_own(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(number) for number in range(1, 601)])
    assert sorted(path.name for path in (store.directory / "shards").glob("?????.json")) == [
        "00000.json", "00001.json", "00002.json",
    ]  # fmt: skip
    before = _files(store.directory)
    store.add_note("T-300", "anna", "appended, nothing rewritten")
    changed = {name for name, stamp in _files(store.directory).items() if before.get(name) != stamp}
    assert changed == {"notes/00001.jsonl"}

    before = _files(store.directory)
    store.set_field("T-600", "status", "waiting", "anna")
    changed = {name for name, stamp in _files(store.directory).items() if before.get(name) != stamp}
    assert changed == {"shards/00002.json", "shards/00002.inbox.json", "history/00002.jsonl"}
    assert Store(store.directory).complaint("T-600").status == "waiting"
    assert len(Store(store.directory).inbox()) == 600


def test_the_inbox_has_what_the_list_shows_without_the_messages(small_store: Store) -> None:
    small_store.set_step("T-2", "cancellation", "apologise", True, "anna")
    small_store.set_field("T-2", "assignee", "anna", "anna")
    inbox = Store(small_store.directory).inbox()
    assert inbox.damaged == ()
    summaries = sorted(inbox.summaries(), key=lambda summary: summary.received, reverse=True)
    assert [summary.id for summary in summaries] == ["T-3", "T-2", "T-1"]
    second = summaries[1]
    assert (second.customer_name, second.subject, second.assignee) == ("Customer 2", "Subject 2", "anna")
    assert second.done_count("cancellation", ("apologise", "ask")) == 1
    assert second.received_at == small_store.complaint("T-2").received


def test_a_stale_inbox_file_is_never_trusted(small_store: Store) -> None:
    """A writer killed between a shard and its inbox file leaves the inbox file behind the shard."""
    inbox_file = small_store.directory / "shards" / "00000.inbox.json"
    old_inbox = inbox_file.read_bytes()
    small_store.set_field("T-1", "status", "resolved", "anna")
    inbox_file.write_bytes(old_inbox)  # as if the second write never happened
    summary = {s.id: s for s in Store(small_store.directory).inbox().summaries()}["T-1"]
    assert summary.status == "resolved"


def test_data_files_are_private_and_no_temporary_file_is_left(small_store: Store) -> None:
    small_store.add_note("T-1", "anna", "x")
    small_store.set_field("T-1", "status", "waiting", "anna")
    files = [path for path in small_store.directory.rglob("*") if path.is_file()]
    assert {path.stat().st_mode & 0o777 for path in files} == {0o600}
    assert not [path for path in files if path.name.endswith(".tmp")]


def test_in_a_shared_group_directory_files_are_group_writable(tmp_path: Path) -> None:
    shared = tmp_path / "team"
    shared.mkdir()
    shared.chmod(0o2770)
    store = Store(shared)
    store.add_complaints([make_complaint(1)])
    store.add_note("T-1", "anna", "for the whole team")
    store.set_field("T-1", "status", "waiting", "anna")
    files = [path for path in shared.rglob("*") if path.is_file()]
    assert files and {path.stat().st_mode & 0o777 for path in files} == {0o660}
    assert {path.stat().st_mode & 0o7777 for path in shared.iterdir() if path.is_dir()} == {0o2770}


@pytest.mark.parametrize("failing", ["os.fsync", "os.replace"])
def test_a_failed_write_changes_nothing_on_disk(
    small_store: Store, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    before = _snapshot(small_store.directory)

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(failing, disk_full)
    if failing == "os.fsync":  # notes are appended: no file is replaced
        with pytest.raises(StoreUnavailable, match="No space left on device"):
            small_store.add_note("T-1", "anna", "lost?")
    with pytest.raises(StoreUnavailable, match="No space left on device"):
        small_store.set_field("T-1", "status", "waiting", "anna")
    monkeypatch.undo()
    assert _snapshot(small_store.directory) == before
    assert Store(small_store.directory).notes("T-1") == []


def test_the_schema_version_is_stored_and_a_newer_one_is_refused(small_store: Store) -> None:
    import json

    from console.store import StoreTooNew

    meta = small_store.directory / "store.json"
    data = json.loads(meta.read_text("utf-8"))
    from console.store.tinystore import SCHEMA_VERSION

    assert next(iter(data["meta"].values()))["schema"] == SCHEMA_VERSION
    data["meta"]["1"]["schema"] = SCHEMA_VERSION + 1
    meta.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(StoreTooNew, match=f"schema version {SCHEMA_VERSION + 1}"):
        Store(small_store.directory)


def test_an_import_killed_part_way_is_completed_by_the_next_change(tmp_path: Path) -> None:
    import json

    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(number) for number in (1, 2)])
    # As if killed after the shard was written but before the routes and the meta file were.
    meta = store.directory / "store.json"
    data = json.loads(meta.read_text("utf-8"))
    data["meta"]["1"]["importing"] = True
    meta.write_text(json.dumps(data), encoding="utf-8")
    for route in (store.directory / "routes").iterdir():
        route.unlink()
    again = Store(store.directory)
    assert again.complaint("T-2").subject == "Subject 2"  # found without its route
    again.add_note("T-1", "anna", "after the crash")
    assert json.loads(meta.read_text("utf-8"))["meta"]["1"]["importing"] is False
    assert len(list((store.directory / "routes").iterdir())) >= 1
    assert [note.text for note in Store(store.directory).notes("T-1")] == ["after the crash"]


def test_the_inbox_index_joins_shards_whose_values_differ(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(number) for number in range(1, 301)])
    store.set_field("T-3", "assignee", "anna", "anna")  # first shard
    store.set_field("T-290", "assignee", "bob", "bob")  # second shard: its own code for bob
    store.set_field("T-291", "assignee", "anna", "bob")  # and its own code for anna
    store.set_field("T-291", "status", "resolved", "bob")
    index = Store(store.directory).inbox()
    assert len(index) == 300
    assignees = index.categories["assignee"]
    assert (assignees.count("anna"), assignees.count("bob"), assignees.count(None)) == (2, 1, 297)
    assert index.categories["status"].count("resolved") == 1
    by_id = {summary.id: summary for summary in index.summaries()}
    assert (by_id["T-291"].assignee, by_id["T-291"].status) == ("anna", "resolved")
    assert by_id["T-290"].assignee == "bob" and by_id["T-3"].assignee == "anna"


@pytest.mark.parametrize("content", [b"[]", b'{"id": [1]}', b"not json"])
def test_a_malformed_inbox_file_is_made_again_from_its_shard(small_store: Store, content: bytes) -> None:
    small_store.set_field("T-2", "priority", "urgent", "anna")
    (small_store.directory / "shards" / "00000.inbox.json").write_bytes(content)
    index = Store(small_store.directory).inbox()
    assert index.damaged == ()
    assert {summary.id: summary.priority for summary in index.summaries()}["T-2"] == "urgent"


def test_set_many_changes_every_complaint_once_and_says_what_was_there(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(number) for number in range(1, 401)])
    store.set_field("T-7", "status", "waiting", "anna")
    ids = [f"T-{number}" for number in (5, 6, 7, 300, 301)]
    old = store.set_many("status", dict.fromkeys(ids, "waiting"), "bob")
    assert old == {"T-5": "open", "T-6": "open", "T-300": "open", "T-301": "open"}  # T-7 already was
    again = Store(store.directory)
    assert {again.complaint(cid).status for cid in ids} == {"waiting"}
    assert [(c.old, c.new, c.by) for c in again.history("T-300")] == [("open", "waiting", "bob")]
    assert again.set_many("status", old, "bob") == dict.fromkeys(old, "waiting")  # the undo
    assert again.complaint("T-301").status == "open" and again.complaint("T-7").status == "waiting"
    with pytest.raises(UnknownComplaint):
        again.set_many("status", {"T-999": "open"}, "bob")
