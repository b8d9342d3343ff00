"""Schema 3: notes and history as append-only TinyDB tables, changes of several files all or nothing, no-op
changes that write and announce nothing, and notes a retry never stores twice."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest
from tinydb import Query, TinyDB

from console.store import Store, StoreUnavailable
from console.store.files import AppendOnlyStorage, NotAppendOnly
from console.store.integrity import check
from console.store.records import new_note_id
from tests.conftest import make_complaint

FORK = multiprocessing.get_context("fork")


def _files(directory: Path) -> dict[str, tuple[int, int, int]]:
    """Every file's stamp, the lock aside (`.changes` included: a no-op must not touch it)."""
    return {
        str(path.relative_to(directory)): (path.stat().st_mtime_ns, path.stat().st_ino, path.stat().st_size)
        for path in directory.rglob("*")
        if path.is_file() and path.name != ".desk.lock"
    }


@pytest.fixture
def two_shards(tmp_path: Path) -> Store:
    """T-1…T-256 in shard 0, T-257…T-300 in shard 1."""
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(number) for number in range(1, 301)])
    return store


def test_a_log_is_read_and_queried_through_tinydb_and_refuses_changes(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    with TinyDB(path, "history", storage=AppendOnlyStorage) as database:
        table = database.table("history")
        table.insert_multiple([{"complaint_id": "A", "n": 1}, {"complaint_id": "B", "n": 2}])
        database.storage.flush()  # type: ignore[attr-defined]
        assert [doc["n"] for doc in table.search(Query().complaint_id == "B")] == [2]
        with pytest.raises(NotAppendOnly):
            table.update({"n": 3}, doc_ids=[1])
        with pytest.raises(NotAppendOnly):
            table.remove(doc_ids=[2])
        with pytest.raises(NotAppendOnly):
            table.truncate()
    assert path.read_bytes() == b'{"complaint_id":"A","n":1}\n{"complaint_id":"B","n":2}\n'
    reader = TinyDB(path, "history", storage=AppendOnlyStorage).table("history")
    assert [(doc.doc_id, doc["n"]) for doc in reader.all()] == [(1, 1), (2, 2)]


def test_a_torn_last_history_line_is_ignored_and_cut_by_the_next_change(small_store: Store) -> None:
    small_store.set_field("T-1", "status", "waiting", "anna")
    log = small_store.directory / "history" / "00000.jsonl"
    with log.open("ab") as file:
        file.write(b'{"complaint_id":"T-1","field":"status","old":"wai')
    assert [(c.old, c.new) for c in small_store.history("T-1")] == [("open", "waiting")]
    report = check(small_store)
    assert report.ok and any("00000.jsonl" in notice and "unfinished" in notice for notice in report.notices)
    small_store.set_field("T-1", "status", "resolved", "bob")
    assert [(c.old, c.new) for c in Store(small_store.directory).history("T-1")] == [
        ("open", "waiting"), ("waiting", "resolved"),
    ]  # fmt: skip
    assert check(small_store).notices == []
    assert log.read_bytes().endswith(b"\n") and log.read_bytes().count(b"\n") == 2


def test_a_history_log_whose_end_is_not_an_entry_is_never_cut(small_store: Store) -> None:
    small_store.set_field("T-1", "status", "waiting", "anna")
    log = small_store.directory / "history" / "00000.jsonl"
    damaged = log.read_bytes() + b"garbage without a newline"
    log.write_bytes(damaged)
    with pytest.raises(Exception, match=r"00000\.jsonl"):
        small_store.set_field("T-2", "status", "waiting", "anna")
    assert log.read_bytes() == damaged
    assert small_store.complaint("T-2").status == "open"  # all or nothing: the shard was put back
    assert not (small_store.directory / "journal").exists()


def test_a_change_does_not_read_the_history_log(small_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """What makes a change cost the same with 100k history entries as with none."""
    small_store.set_field("T-1", "status", "waiting", "anna")

    def refuse(self: AppendOnlyStorage, raw: bytes) -> None:
        raise AssertionError(f"{self.path} was read")

    monkeypatch.setattr(AppendOnlyStorage, "_load", refuse)
    small_store.set_field("T-1", "status", "resolved", "anna")
    small_store.set_step("T-1", "cancellation", "ask", True, "anna")
    small_store.set_many("priority", {"T-1": "high", "T-2": "high"}, "anna")
    monkeypatch.undo()
    assert [c.new for c in small_store.history("T-1")] == ["waiting", "resolved", "cancellation/ask", "high"]


def _fail_on_second_shard(monkeypatch: pytest.MonkeyPatch, failure: type[BaseException] | None) -> None:
    """The second shard's write fails (with `failure`), or the process dies there (None)."""
    from console.store import files

    real = files.write_atomically

    def write(path: Path, payload: bytes, mode: int = 0o600, **options: Any) -> None:
        if path.name == "00001.json" and path.parent.name == "shards":
            if failure is None:
                os._exit(9)
            raise failure(28, "No space left on device")
        real(path, payload, mode, **options)

    monkeypatch.setattr(files, "write_atomically", write)


def _state(store: Store) -> tuple[object, ...]:
    fresh = Store(store.directory)
    ids = ("T-5", "T-256", "T-257", "T-300")
    return tuple((fresh.complaint(cid).status, fresh.history(cid)) for cid in ids)


def test_a_bulk_change_whose_second_shard_fails_changes_nothing(
    two_shards: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, stamp = _state(two_shards), two_shards.stamp()
    values = dict.fromkeys(("T-5", "T-256", "T-257", "T-300"), "resolved")
    _fail_on_second_shard(monkeypatch, OSError)
    with pytest.raises(StoreUnavailable, match="No space left"):
        two_shards.set_many("status", values, "anna")
    monkeypatch.undo()
    assert _state(two_shards) == before  # the first shard was put back, no history was kept
    assert two_shards.stamp() == stamp and not (two_shards.directory / "journal").exists()
    assert check(two_shards).ok
    old = two_shards.set_many("status", values, "anna")  # the undo it gives covers what was applied: all
    assert old == dict.fromkeys(values, "open")
    assert {Store(two_shards.directory).complaint(cid).status for cid in values} == {"resolved"}


def _die_on_second_shard(directory: str) -> None:
    import pytest as _pytest

    with _pytest.MonkeyPatch.context() as patch:
        _fail_on_second_shard(patch, None)
        Store(Path(directory)).set_many("status", dict.fromkeys(("T-5", "T-257"), "waiting"), "anna")


def test_a_bulk_change_whose_writer_died_part_way_is_rolled_back_on_the_next_open(two_shards: Store) -> None:
    before = _state(two_shards)
    process = FORK.Process(target=_die_on_second_shard, args=(str(two_shards.directory),))
    process.start()
    process.join(60)
    assert process.exitcode == 9
    assert (two_shards.directory / "journal").exists()
    assert json.loads((two_shards.directory / "shards" / "00000.json").read_text("utf-8"))  # shard 0 written
    reopened = Store(two_shards.directory)  # rolls back
    assert not (two_shards.directory / "journal").exists()
    assert _state(reopened) == before
    report = check(reopened)
    assert report.ok and report.notices == [], (report.problems, report.notices)


def test_changes_that_change_nothing_write_and_announce_nothing(two_shards: Store) -> None:
    two_shards.set_field("T-1", "status", "waiting", "anna")
    two_shards.set_step("T-2", "cancellation", "ask", True, "anna")
    note = two_shards.add_note("T-3", "anna", "once")
    before = _files(two_shards.directory)
    two_shards.set_field("T-1", "status", "waiting", "bob")
    two_shards.set_step("T-2", "cancellation", "ask", True, "bob")
    two_shards.set_step("T-4", "cancellation", "ask", False, "bob")
    assert two_shards.set_many("status", {"T-1": "waiting", "T-300": "open"}, "bob") == {}
    result = two_shards.add_complaints([make_complaint(1), make_complaint(300)])
    assert (result.added, result.already_present) == (0, 2)
    assert two_shards.add_note("T-3", "anna", "once", note_id=note.id) == note
    assert _files(two_shards.directory) == before
    assert [c.by for c in two_shards.history("T-1")] == ["anna"]


def test_a_note_retried_with_its_id_is_stored_once(small_store: Store) -> None:
    note_id = new_note_id()
    first = small_store.add_note("T-1", "anna", "Called back.", note_id=note_id)
    retry = Store(small_store.directory).add_note("T-1", "anna", "Called back.", note_id=note_id)
    assert retry == first and first.id == note_id
    other = small_store.add_note("T-1", "anna", "Called back.")  # a new note of the same words is a new note
    assert other.id not in ("", note_id)
    assert [note.id for note in Store(small_store.directory).notes("T-1")] == [note_id, other.id]


def _die_writing_shard_0(directory: str) -> None:
    from console.store import files

    real = files.write_atomically

    def write(path: Path, payload: bytes, mode: int = 0o600, **options: Any) -> None:
        if path.name == "00000.json" and path.parent.name == "shards":
            os._exit(9)
        real(path, payload, mode, **options)

    files.write_atomically = write  # type: ignore[assignment]  # a forked child that dies: nothing to undo
    Store(Path(directory)).set_field("T-1", "status", "resolved", "anna")


def test_history_lines_of_a_change_that_never_finished_are_left_out_and_cut(small_store: Store) -> None:
    """A shard records how long its history log is: the log is appended first, so a writer that died before
    its shard was written leaves lines beyond that, which count for nobody."""
    small_store.set_field("T-1", "status", "waiting", "anna")
    log = small_store.directory / "history" / "00000.jsonl"
    counted = log.read_bytes()
    process = FORK.Process(target=_die_writing_shard_0, args=(str(small_store.directory),))
    process.start()
    process.join(60)
    assert process.exitcode == 9 and len(log.read_bytes()) > len(counted)  # appended, shard not written
    store = Store(small_store.directory)
    assert store.complaint("T-1").status == "waiting"
    assert [c.new for c in store.history("T-1")] == ["waiting"]
    report = check(store)
    assert report.ok and any("unfinished change" in notice for notice in report.notices)
    store.set_field("T-1", "status", "open", "bob")
    assert [c.new for c in Store(small_store.directory).history("T-1")] == ["waiting", "open"]
    assert log.read_bytes().startswith(counted) and log.read_bytes().count(b"\n") == 2
    assert check(store).notices == []


def test_a_change_whose_shard_cannot_be_written_keeps_no_history(
    small_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = small_store.directory / "history" / "00000.jsonl"
    small_store.set_field("T-1", "status", "waiting", "anna")
    counted = log.read_bytes()
    monkeypatch.setattr("os.replace", lambda *_args: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(StoreUnavailable):
        small_store.set_field("T-2", "status", "waiting", "anna")
    monkeypatch.undo()
    assert log.read_bytes() == counted and small_store.history("T-2") == []
