"""`restore` and `backup` against crafted archives and hostile desks: nothing is written outside the target,
every refusal is one line, and the same holds on every Python the package admits (no `extractall`)."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from console.store import Store
from console.store.integrity import backup, restore
from tests.conftest import make_complaint, run_cli

run = run_cli


@pytest.fixture
def good_archive(tmp_path: Path) -> Path:
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(number) for number in (1, 2, 3)])
    store.add_note("T-1", "anna", "kept")
    store.set_field("T-2", "status", "waiting", "anna")  # a history log too
    archive = tmp_path / "good.tar.gz"
    backup(store, archive)
    return archive


def archive_with(path: Path, good: Path | None, *extra: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    """`good`'s members (if given) and then `extra` members, gzipped."""
    with tarfile.open(path, "w:gz") as target:
        if good is not None:
            with tarfile.open(good, "r:gz") as source:
                for member in source:
                    target.addfile(member, source.extractfile(member))
        for info, payload in extra:
            target.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE, payload: bytes = b"{}", linkname: str = "") -> tuple:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    if kind == tarfile.REGTYPE:
        info.size = len(payload)
        return info, payload
    return info, None


def refused(capsys: pytest.CaptureFixture[str], archive: Path, target: Path) -> str:
    status, _out, err = run(capsys, "restore", str(archive), "--data-dir", str(target))
    assert status == 1 and err.count("\n") == 1 and "Traceback" not in err, err
    assert not target.exists()
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".restore-")]
    return err


def test_dot_dot_and_absolute_names_are_refused(
    tmp_path: Path, good_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.json"
    for name in ("../outside.json", "shards/../../outside.json", str(outside)):
        crafted = archive_with(tmp_path / "crafted.tar.gz", good_archive, member(name, payload=b"pwned"))
        err = refused(capsys, crafted, tmp_path / "new")
        assert "refused" in err and not outside.exists()


def test_links_out_of_the_target_are_refused(
    tmp_path: Path, good_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    attacks = [
        # a symlinked folder, then a file through it
        (member("notes", tarfile.SYMTYPE, linkname=str(tmp_path)), member("notes/victim.txt", payload=b"pwned")),
        # a hard link to a file outside, then content written to it
        (member("notes/00000.jsonl", tarfile.LNKTYPE, linkname=str(victim)),),
        (member("shards/00000.json", tarfile.SYMTYPE, linkname=str(victim)),),
        (member("notes/00009.jsonl", tarfile.FIFOTYPE),),
        (member("shards", tarfile.DIRTYPE), member("shards/x", tarfile.CHRTYPE)),
    ]
    for attack in attacks:
        crafted = archive_with(tmp_path / "crafted.tar.gz", None, *attack, *tarfile_members(good_archive))
        err = refused(capsys, crafted, tmp_path / "new")
        assert "refused" in err
        assert victim.read_text() == "mine" and not (tmp_path / "notes").exists()


def tarfile_members(archive: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(archive, "r:gz") as source:
        return [(info, source.extractfile(info).read()) for info in source]  # type: ignore[union-attr]


def chain_past_path_max(path: Path, good: Path, ups: int) -> Path:
    """The CVE-2025-4517 archive: links through folders of 247-character names resolve past PATH_MAX, where
    `extractall(filter="data")` of Python < 3.11.13 stops resolving and lets the last link point `ups`
    folders above `shards/`. Under `shards/`, beside a real desk's files, as a backup would look."""
    long = "d" * 247
    steps = "abcdefghijklmnop"
    extra = []
    folder = "shards"
    for step in steps:
        extra.append(member(f"{folder}/{long}", tarfile.DIRTYPE))
        extra.append(member(f"{folder}/{step}", tarfile.SYMTYPE, linkname=long))
        folder = f"{folder}/{long}"
    linkpath = "shards/" + "/".join(steps) + "/" + "l" * 254
    extra.append(member(linkpath, tarfile.SYMTYPE, linkname="../" * len(steps)))
    extra.append(member("shards/escape", tarfile.SYMTYPE, linkname=linkpath[7:] + "/.." * ups))
    extra.append(member("shards/escape/planted.txt", payload=b"pwned"))
    return archive_with(path, good, *extra)


def test_a_symlink_chain_past_path_max_does_not_escape(
    tmp_path: Path, good_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "inside" / "deep").mkdir(parents=True)
    # restore's scratch folder is inside/deep/.restore-…: four folders above its shards/ is tmp_path
    crafted = chain_past_path_max(tmp_path / "chain.tar.gz", good_archive, ups=4)
    refused(capsys, crafted, tmp_path / "inside" / "deep" / "new")
    assert not list(tmp_path.rglob("planted.txt"))


def test_restore_never_calls_extractall(
    tmp_path: Path, good_archive: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What makes restore the same on Python 3.11.0 (no `filter=`) as on 3.13."""

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("extractall")

    monkeypatch.setattr(tarfile.TarFile, "extractall", forbidden)
    monkeypatch.setattr(tarfile.TarFile, "extract", forbidden)
    status, out, err = run(capsys, "restore", str(good_archive), "--data-dir", str(tmp_path / "new"))
    assert status == 0 and "3 complaints, 1 note and 0 replies" in out, err
    assert [note.text for note in Store(tmp_path / "new").notes("T-1")] == ["kept"]
    assert [change.new for change in Store(tmp_path / "new").history("T-2")] == ["waiting"]


def test_a_huge_member_is_refused_before_it_is_unpacked(
    tmp_path: Path, good_archive: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A header that claims 3 GB: refused on the header, nothing read.
    header = tarfile.TarInfo("messages/00001.json")
    header.size = 3 << 30
    claimed = tmp_path / "claimed.tar.gz"
    claimed.write_bytes(gzip.compress(header.tobuf() + b"\0" * 4096))
    assert "larger than" in refused(capsys, claimed, tmp_path / "new")
    # A real bomb, scaled down: 4 MB of zeros (4 KB compressed) against a limit of 1 MB per file and in all.
    monkeypatch.setattr("console.store.integrity.MEMBER_LIMIT", 1 << 20)
    bomb = archive_with(tmp_path / "bomb.tar.gz", good_archive, member("messages/00002.json", payload=bytes(4 << 20)))
    assert bomb.stat().st_size < 64 << 10
    assert "larger than" in refused(capsys, bomb, tmp_path / "new")
    monkeypatch.setattr("console.store.integrity.MEMBER_LIMIT", 64 << 20)
    monkeypatch.setattr("console.store.integrity.TOTAL_LIMIT", 2 << 20)
    assert "larger than" in refused(capsys, bomb, tmp_path / "new")


def test_a_name_twice_and_names_no_desk_has_are_refused(
    tmp_path: Path, good_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    twice = archive_with(tmp_path / "twice.tar.gz", good_archive, member("store.json", payload=b"{}"))
    assert "twice" in refused(capsys, twice, tmp_path / "new")
    for name in ("shards/1.json", "routes/zz.json", "routes/7f.json", "presence/x.json", ".bashrc", "desk.json"):
        crafted = archive_with(tmp_path / "odd.tar.gz", good_archive, member(name))
        assert "no file of a desk" in refused(capsys, crafted, tmp_path / "new")


def test_the_target_must_be_given_and_new_or_an_empty_folder(
    tmp_path: Path, good_archive: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    default = tmp_path / "default-desk"
    monkeypatch.setenv("AGENT_CONSOLE_DATA", str(default))
    status, _out, err = run(capsys, "restore", str(good_archive))
    assert status == 2 and "--data-dir" in err and err.count("\n") == 1 and not default.exists()
    a_file = tmp_path / "a-file"
    a_file.write_text("mine")
    status, _out, err = run(capsys, "restore", str(good_archive), "--data-dir", str(a_file))
    assert status == 1 and "not empty" in err and err.count("\n") == 1 and a_file.read_text() == "mine"
    empty = tmp_path / "empty"
    empty.mkdir()
    link = tmp_path / "link"
    link.symlink_to(empty)
    status, _out, err = run(capsys, "restore", str(good_archive), "--data-dir", str(link))
    assert status == 1 and err.count("\n") == 1 and not list(empty.iterdir())
    assert run(capsys, "restore", str(good_archive), "--data-dir", str(empty))[0] == 0
    assert Store(empty).complaint("T-2").customer_name == "Customer 2"


def test_restoring_into_a_group_directory_keeps_the_group_modes(
    tmp_path: Path, good_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    team = tmp_path / "team"
    team.mkdir()
    os.chmod(team, 0o2770)
    assert run(capsys, "restore", str(good_archive), "--data-dir", str(team / "desk"))[0] == 0
    desk = team / "desk"
    assert stat.S_IMODE(desk.stat().st_mode) == 0o2770
    assert {stat.S_IMODE(path.stat().st_mode) for path in desk.rglob("*") if path.is_dir()} == {0o2770}
    assert {stat.S_IMODE(path.stat().st_mode) for path in desk.rglob("*") if path.is_file()} == {0o660}
    Store(desk).add_note("T-2", "ben", "the team can write")
    assert run(capsys, "check", "--data-dir", str(desk))[0] == 0


def test_backup_refuses_a_desk_with_links_naming_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(1)])
    planted = store.directory / "shards" / "00007.json"
    planted.symlink_to("/etc/passwd")
    fifo = store.directory / "routes" / "3f.json"
    os.mkfifo(fifo)
    status, _out, err = run(capsys, "backup", "-o", str(tmp_path / "b.tar.gz"), "--data-dir", str(store.directory))
    assert status == 1 and str(planted) in err and str(fifo) in err and err.count("\n") == 1
    assert not (tmp_path / "b.tar.gz").exists() and not list(tmp_path.glob(".b.tar.gz*"))
    assert not list((store.directory / "cache").iterdir())  # the snapshot is gone


def test_backup_holds_what_was_there_when_the_lock_was_taken(tmp_path: Path) -> None:
    """The snapshot is taken under the lock, packed after: a note added meanwhile is not in it."""
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(1)])
    store.add_note("T-1", "anna", "before")
    import console.store.integrity as integrity

    packing = integrity._pack

    def note_while_packing(members: list, target: Path) -> None:  # type: ignore[type-arg]
        Store(store.directory).add_note("T-1", "ben", "while packing")  # the lock is free again
        packing(members, target)

    integrity._pack = note_while_packing  # type: ignore[assignment]
    try:
        backup(store, tmp_path / "b.tar.gz")
    finally:
        integrity._pack = packing
    report = restore(tmp_path / "b.tar.gz", tmp_path / "back")
    assert report.ok and [n.text for n in Store(tmp_path / "back").notes("T-1")] == ["before"]
