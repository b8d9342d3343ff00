import json
from pathlib import Path

import pytest

from console.store import Store, StoreCorrupt, StoreUnavailable, UnknownComplaint
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


def test_writes_leave_no_temporary_files_and_private_permissions(small_store: Store) -> None:
    small_store.add_note("T-1", "anna", "x")
    leftovers = [path.name for path in small_store.directory.iterdir() if path.name.endswith(".tmp")]
    assert leftovers == []
    assert small_store.path.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("damage", [b'{"complaints": {"1": ', b"\x00\x00garbage", b"[1, 2]"])
def test_a_damaged_file_is_reported_and_left_untouched(tmp_path: Path, damage: bytes) -> None:
    directory = tmp_path / "desk"
    directory.mkdir()
    (directory / "desk.json").write_bytes(damage)
    with pytest.raises(StoreCorrupt, match=r"desk\.json"):
        Store(directory).complaints()
    assert (directory / "desk.json").read_bytes() == damage


def test_a_failed_write_changes_nothing_on_disk(small_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = small_store.path.read_bytes()

    def broken_replace(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(StoreUnavailable, match="No space left on device"):
        small_store.add_note("T-1", "anna", "lost?")
    assert small_store.path.read_bytes() == before
    assert [path.name for path in small_store.directory.iterdir() if path.suffix == ".tmp"] == []


def test_the_file_records_its_schema_version(small_store: Store) -> None:
    data = json.loads(small_store.path.read_text("utf-8"))
    assert list(data["meta"].values()) == [{"schema": 1}]


def _add_notes(directory: str, author: str, count: int) -> None:
    store = Store(Path(directory))
    for number in range(count):
        store.add_note("T-1", author, f"{author} note {number}")
        store.set_step("T-2", "cancellation", "ask", number % 2 == 0, author)


def test_four_processes_writing_at_once_lose_nothing(small_store: Store) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_add_notes, args=(str(small_store.directory), f"agent{n}", 30)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    notes = small_store.notes("T-1")
    assert len(notes) == 120
    assert {note.text for note in notes} == {f"agent{n} note {i}" for n in range(4) for i in range(30)}
    assert len(small_store.complaints()) == 3


def test_a_desk_locked_too_long_is_a_clear_error_and_changes_nothing(small_store: Store) -> None:
    from filelock import FileLock

    from console.store import StoreLocked

    before = small_store.path.read_bytes()
    with FileLock(small_store.directory / ".desk.lock"):
        impatient = Store(small_store.directory, lock_timeout=0.2)
        with pytest.raises(StoreLocked, match="locked by another agent-console"):
            impatient.add_note("T-1", "anna", "waiting for the lock")
        assert [c.id for c in impatient.complaints()] == ["T-3", "T-2", "T-1"]  # reading needs no lock
    assert small_store.path.read_bytes() == before


def _write_forever(directory: str) -> None:
    store = Store(Path(directory))
    number = 0
    while True:
        store.add_note("T-1", "loop", f"note {number}")
        number += 1


def test_killing_a_writer_at_random_moments_never_breaks_the_desk(small_store: Store) -> None:
    import multiprocessing
    import os
    import random
    import signal
    import time

    context = multiprocessing.get_context("spawn")
    seen = 0
    for _ in range(5):
        writer = context.Process(target=_write_forever, args=(str(small_store.directory),))
        writer.start()
        time.sleep(0.6 + random.random() * 0.4)
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        notes = Store(small_store.directory).notes("T-1")  # loads: never a half-written file
        assert len(notes) >= seen
        seen = len(notes)
    assert seen > 0
    small_store.add_note("T-1", "anna", "after the crashes")  # the next write clears a killed writer's leftovers
    assert [path.name for path in small_store.directory.iterdir() if path.suffix == ".tmp"] == []


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
