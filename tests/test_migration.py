"""A desk written by the first release (schema 1, one desk.json) is moved to the sharded layout on first
open; nothing an agent wrote is lost, and the old file is kept as desk.v1.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from console.cli import main
from console.store import Store
from console.store.integrity import check
from console.store.tinystore import SCHEMA_VERSION

OLD_DESK = Path(__file__).parent / "data" / "desk-v1.json"


@pytest.fixture
def old_desk(tmp_path: Path) -> Path:
    directory = tmp_path / "desk"
    directory.mkdir()
    shutil.copyfile(OLD_DESK, directory / "desk.json")
    return directory


def _assert_everything_is_there(store: Store) -> None:
    assert [complaint.id for complaint in store.complaints()] == ["V-3", "V-2", "V-1"]
    first = store.complaint("V-1")
    assert (first.customer_phone, first.body) == ("+358 40 123 4567", "Haluan irtisanoa sopimukseni.")
    tick = first.tick("cancellation", "apologise")
    assert tick is not None and tick.by == "anna"
    assert [(n.author, n.text) for n in store.notes("V-1")] == [
        ("anna", "Soitin asiakkaalle."), ("bob", "Second note, kept in order."),
    ]  # fmt: skip
    assert [n.text for n in store.notes("V-3")] == ["Helistasin kliendile."]
    second = store.complaint("V-2")
    assert (second.status, second.assignee) == ("waiting", "ana")
    assert [(c.field, c.old, c.new, c.by) for c in store.history("V-2")] == [
        ("status", "open", "waiting", "ana"), ("assignee", None, "ana", "ana"),
    ]  # fmt: skip
    assert check(store).ok


def test_the_first_release_desk_is_migrated_and_its_file_kept(old_desk: Path) -> None:
    store = Store(old_desk)
    _assert_everything_is_there(store)
    assert not (old_desk / "desk.json").exists()
    assert (old_desk / "desk.v1.json").read_bytes() == OLD_DESK.read_bytes()
    store.add_note("V-2", "ana", "written after the upgrade")
    _assert_everything_is_there(Store(old_desk))  # opening again migrates nothing twice
    assert [n.text for n in Store(old_desk).notes("V-2")] == ["written after the upgrade"]


def test_a_migration_killed_part_way_is_done_again_from_the_old_file(old_desk: Path) -> None:
    Store(old_desk)
    # As if killed after placing the complaints, before the old file was renamed and the meta file updated.
    shutil.copyfile(OLD_DESK, old_desk / "desk.json")
    meta = old_desk / "store.json"
    data = json.loads(meta.read_text("utf-8"))
    data["meta"]["1"]["migrating"] = True
    meta.write_text(json.dumps(data), encoding="utf-8")
    _assert_everything_is_there(Store(old_desk))  # no note twice


def test_the_command_line_reads_an_old_desk(old_desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "V-1", "--data-dir", str(old_desk)]) == 0
    assert "Second note, kept in order." in capsys.readouterr().out


OLD_SHARDED_DESK = Path(__file__).parent / "data" / "desk-v2.tar.gz"
"""Written by the sharded release (schema 2): W-1…W-258 in two shards; W-1, W-2, W-257, W-258 each with two
notes and a status, step and assignee change, and a bulk priority change on W-3 and W-258; each shard's
history inside its TinyDB file."""


@pytest.fixture
def sharded_desk(tmp_path: Path) -> Path:
    import tarfile

    directory = tmp_path / "desk2"
    with tarfile.open(OLD_SHARDED_DESK) as archive:
        archive.extractall(directory, filter="data")
    return directory


def _everything_of_schema_2(directory: Path) -> dict[str, object]:
    """What a schema-2 desk holds, read straight from its files: every note and history entry."""
    notes, history = [], []
    for log in sorted((directory / "notes").glob("*.jsonl")):
        notes += [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    for shard in sorted((directory / "shards").glob("?????.json")):
        history += list(json.loads(shard.read_text("utf-8")).get("history", {}).values())
    return {"notes": notes, "history": history}


def _everything_stored(store: Store) -> dict[str, object]:
    notes = [
        {"complaint_id": n.complaint_id, "author": n.author, "at": n.at.isoformat(), "text": n.text}
        for notes in store.notes_by_complaint().values()
        for n in notes
    ]
    ids = [complaint.id for complaint in store.complaints()]
    history = [{**c._asdict(), "at": c.at.isoformat()} for cid in ids for c in store.history(cid)]
    return {"notes": notes, "history": history}


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    def key(entry: dict[str, object]) -> str:
        return json.dumps(entry, sort_keys=True)

    return all(sorted(map(key, a[name]), key=str) == sorted(map(key, b[name]), key=str) for name in a)  # type: ignore[call-overload]


def test_a_sharded_desk_moves_its_history_out_of_the_shards_and_loses_nothing(sharded_desk: Path) -> None:
    before = _everything_of_schema_2(sharded_desk)
    assert len(before["notes"]) == 8 and len(before["history"]) == 14  # type: ignore[arg-type]
    store = Store(sharded_desk)
    assert _same(_everything_stored(store), before)
    assert all("history" not in json.loads(p.read_text("utf-8")) for p in (sharded_desk / "shards").glob("?????.json"))
    assert json.loads((sharded_desk / "store.json").read_text("utf-8"))["meta"]["1"]["schema"] == SCHEMA_VERSION
    assert all(note.id for notes in store.notes_by_complaint().values() for note in notes)
    assert [(c.field, c.new) for c in store.history("W-258")][-1] == ("priority", "urgent")
    report = check(store)
    assert report.ok, report.problems
    assert report.notes == 8
    again = Store(sharded_desk)  # opened again: nothing migrated twice
    assert _same(_everything_stored(again), before)
    ids = {note.id for notes in again.notes_by_complaint().values() for note in notes}
    assert ids == {note.id for notes in store.notes_by_complaint().values() for note in notes}


@pytest.mark.parametrize("shards_done", [0, 1])
def test_a_sharded_desk_migration_killed_part_way_starts_again_and_finishes(
    sharded_desk: Path, shards_done: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.store import migration

    before = _everything_of_schema_2(sharded_desk)
    real_write_log = migration.write_log
    written: list[Path] = []

    def killed_after(path: Path, entries: list[dict[str, object]], mode: int) -> None:
        """As if killed after the history log of shard `shards_done` was written, before its shard was."""
        real_write_log(path, entries, mode)
        written.append(path)
        if path.parent.name == "history" and path.stem == f"{shards_done:05d}":
            raise KeyboardInterrupt

    monkeypatch.setattr(migration, "write_log", killed_after)
    with pytest.raises(KeyboardInterrupt):
        Store(sharded_desk)
    monkeypatch.undo()
    assert (sharded_desk / "history" / f"{shards_done:05d}.jsonl") in written
    meta = json.loads((sharded_desk / "store.json").read_text("utf-8"))["meta"]["1"]
    assert (meta["schema"], meta["migrating"]) == (SCHEMA_VERSION, 2)  # an older agent-console refuses it meanwhile
    store = Store(sharded_desk)
    assert _same(_everything_stored(store), before)  # every entry once
    assert check(store).ok


def test_a_first_release_desk_reaches_the_current_schema(old_desk: Path) -> None:
    store = Store(old_desk)
    assert json.loads((old_desk / "store.json").read_text("utf-8"))["meta"]["1"]["schema"] == SCHEMA_VERSION
    assert (old_desk / "history" / "00000.jsonl").exists()
    assert all(note.id for note in store.notes("V-1"))


def test_a_newer_desk_is_refused_with_one_line(sharded_desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = sharded_desk / "store.json"
    data = json.loads(meta.read_text("utf-8"))
    data["meta"]["1"]["schema"] = SCHEMA_VERSION + 1
    meta.write_text(json.dumps(data), encoding="utf-8")
    before = meta.read_bytes()
    assert main(["list", "--data-dir", str(sharded_desk)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"schema {SCHEMA_VERSION + 1}" in err
    assert meta.read_bytes() == before and not (sharded_desk / "history").exists()
