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
