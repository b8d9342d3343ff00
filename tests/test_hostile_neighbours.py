"""A neighbour in a group-shared desk plants links, fifos and odd modes: nobody writes through them, nobody
blocks on them, `check` names them."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from console.playbooks import Playbooks
from console.store import Store
from console.store.presence import Presence
from tests.conftest import make_app, make_complaint, notifications, run_cli, settle

run = run_cli


def finishes(action: Callable[[], object], seconds: float = 10.0) -> object:
    """`action`'s result; fails (instead of hanging the suite) if it blocks."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(action()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "blocked"
    return result[0] if result else None


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victims-own-file"
    path.write_text("mine\n")
    return path


def test_a_symlinked_notes_log_is_never_written_through(
    small_store: Store, victim: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desk = str(small_store.directory)
    log = small_store.layout.notes(0)
    small_store.add_note("T-1", "anna", "first")
    log.unlink()
    log.symlink_to(victim)
    status, _out, err = run(capsys, "note", "T-1", "through", "the", "link", "--data-dir", desk)
    assert status == 1 and str(log) in err and "link" in err and err.count("\n") == 1
    assert victim.read_text() == "mine\n"
    log.unlink()
    log.symlink_to(tmp_path / "created-by-the-desk")  # a link to nothing: not created either
    assert run(capsys, "note", "T-1", "again", "--data-dir", desk)[0] == 1
    assert not (tmp_path / "created-by-the-desk").exists()
    status, out, _err = run(capsys, "check", "--data-dir", desk)
    assert status == 1 and f"problem: {log}: a symbolic link" in out


async def test_the_tui_says_not_saved_and_writes_nothing_through_a_link(
    small_store: Store, playbooks: Playbooks, victim: Path
) -> None:
    log = small_store.layout.notes(0)
    log.symlink_to(victim)
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("n", *"hello", "ctrl+s")
        await settle(pilot)
        assert any(message.startswith("Not saved") and str(log) in message for message in notifications(app))
    assert victim.read_text() == "mine\n"


def test_a_symlinked_changes_file_and_lock_file_are_not_written_through(
    small_store: Store, victim: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changes = small_store.directory / ".changes"
    changes.unlink()
    changes.symlink_to(victim)
    status, _out, err = run(capsys, "note", "T-1", "hello", "--data-dir", str(small_store.directory))
    assert status == 0, err
    assert victim.read_text() == "mine\n"
    assert stat.S_ISREG(os.lstat(changes).st_mode)  # replaced by a file of its own, so others still see changes
    lock = small_store.directory / ".desk.lock"
    lock.unlink()
    lock.symlink_to(victim)
    status, _out, err = run(capsys, "note", "T-1", "again", "--data-dir", str(small_store.directory))
    assert status == 1 and str(lock) in err and err.count("\n") == 1
    assert victim.read_text() == "mine\n"  # filelock would have truncated it (O_TRUNC through the link)


def test_a_fifo_in_presence_or_in_place_of_a_file_never_blocks(
    small_store: Store, playbooks: Playbooks, capsys: pytest.CaptureFixture[str]
) -> None:
    presence = Presence(small_store.directory, "anna")
    presence.viewing("T-1")
    os.mkfifo(presence.folder / "planted.json")
    other = Presence(small_store.directory, "ben")
    assert [viewer.agent for viewer in finishes(lambda: other.others_on("T-1"))] == ["anna"]  # type: ignore[attr-defined]
    cache = small_store.directory / "cache"
    cache.mkdir(exist_ok=True)
    from console.first_page import page_path, read_page
    from console.store.records import utc_now

    os.mkfifo(page_path(small_store.directory, "tester"))
    assert finishes(lambda: read_page(small_store.directory, "tester", small_store.stamp(), utc_now())) is None
    shard = small_store.layout.shard(0)
    shard.rename(shard.with_suffix(".moved"))
    os.mkfifo(shard)
    status, _out, err = finishes(lambda: run(capsys, "show", "T-1", "--data-dir", str(small_store.directory)))  # type: ignore[misc]
    assert status == 1 and str(shard) in err and err.count("\n") == 1
    status, out, _err = finishes(lambda: run(capsys, "check", "--data-dir", str(small_store.directory)))  # type: ignore[misc]
    assert status == 1 and "planted.json: not a regular file" in out and f"{shard}: not a regular file" in out


def test_a_data_dir_everyone_can_write_is_refused_with_how_to_share_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desk = tmp_path / "open"
    desk.mkdir()
    os.chmod(desk, 0o777)
    status, _out, err = run(capsys, "list", "--data-dir", str(desk))
    assert status == 1 and "writable by everyone" in err and "chmod 2770" in err and err.count("\n") == 1
    assert os.listdir(desk) == []


def test_new_data_dirs_are_private_or_the_groups_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        Store(tmp_path / "mine").add_note  # noqa: B018 (opening is enough)
        team = tmp_path / "team"
        team.mkdir()
        os.chmod(team, 0o2770)
        shared = Store(team / "desk")
        shared.add_complaints([make_complaint(1)])
        shared.add_note("T-1", "anna", "a note")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "mine").stat().st_mode) == 0o700
    assert stat.S_IMODE((team / "desk").stat().st_mode) == 0o2770
    assert stat.S_IMODE((team / "desk" / "shards").stat().st_mode) == 0o2770
    assert stat.S_IMODE((team / "desk" / ".changes").stat().st_mode) == 0o660
    assert stat.S_IMODE(shared.layout.notes(0).stat().st_mode) == 0o660
    assert stat.S_IMODE((team / "desk" / ".desk.lock").stat().st_mode) == 0o660


def test_check_names_files_of_a_shared_desk_the_group_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    team = tmp_path / "team"
    team.mkdir()
    os.chmod(team, 0o2770)
    store = Store(team / "desk")
    store.add_complaints([make_complaint(1)])
    assert run(capsys, "check", "--data-dir", str(store.directory))[0] == 0
    os.chmod(store.layout.shard(0), 0o640)
    status, out, _err = run(capsys, "check", "--data-dir", str(store.directory))
    assert status == 1 and f"{store.layout.shard(0)}: the group cannot write it" in out
