"""The order in which a transaction makes its writes durable: a file replaced (or a log created) survives a
power cut only once its folder is fsynced. A transaction fsyncs each folder once, after its last file, and
before anything is written into another folder; the meta file and the journal's removal come after all."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from console.store import Attachment, CustomerMessage, Store
from tests.conftest import RECEIVED_BASE, make_complaint


class Disk:
    """Records, for one desk, the folders that hold a rename or a new file not yet fsynced, and fails the
    test when a write goes into another folder (or the journal goes) while one is pending."""

    def __init__(self, desk: Path) -> None:
        self.desk = desk
        self.pending: set[Path] = set()
        self.directory_syncs: Counter[Path] = Counter()
        self.problems: list[str] = []

    def replaced(self, target: Path) -> None:
        self._entry_in(target.parent, f"replace {target.relative_to(self.desk)}")

    def created(self, target: Path) -> None:
        self._entry_in(target.parent, f"create {target.relative_to(self.desk)}")

    def _entry_in(self, folder: Path, what: str) -> None:
        if self.pending - {folder}:
            names = sorted(str(path.relative_to(self.desk)) for path in self.pending)
            self.problems.append(f"{what} while {names} not fsynced")
        self.pending.add(folder)

    def journal_removed(self) -> None:
        if self.pending:
            self.problems.append(f"journal removed while {sorted(map(str, self.pending))} not fsynced")

    def synced(self, descriptor: int) -> None:
        path = Path(os.readlink(f"/proc/self/fd/{descriptor}"))
        if path.is_dir():
            self.pending.discard(path)
            self.directory_syncs[path] += 1


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Disk:
    desk = tmp_path / "desk"
    recorder = Disk(desk)
    real_replace, real_fsync, real_open, real_unlink = os.replace, os.fsync, os.open, os.unlink

    def replace(source: str | Path, target: str | Path) -> None:
        if Path(target).is_relative_to(desk) and Path(target).name != ".changes":  # a hint, never fsynced
            recorder.replaced(Path(target))
        real_replace(source, target)

    def fsync(descriptor: int) -> None:
        real_fsync(descriptor)
        recorder.synced(descriptor)

    def open_(path: str | Path, flags: int, mode: int = 0o777, **options: object) -> int:
        new = flags & os.O_CREAT and not os.path.lexists(path)
        descriptor = real_open(path, flags, mode, **options)  # type: ignore[arg-type]
        if new and Path(path).suffix == ".jsonl":  # a log begun (temporary files are renamed: counted there)
            recorder.created(Path(path))
        return descriptor

    def unlink(path: str | Path, **options: object) -> None:
        real_unlink(path, **options)  # type: ignore[arg-type]
        if Path(path) == desk / "journal":
            recorder.journal_removed()

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "unlink", unlink)
    return recorder


def test_each_folder_is_fsynced_once_after_its_files_before_another_folder_is_written(disk: Disk) -> None:
    store = Store(disk.desk)
    store.add_complaints([make_complaint(number) for number in range(1, 601)])  # three shards, no journal
    assert disk.problems == [] and not disk.pending
    # An import's batch of routes (many files in one folder) is fsynced once, not once per file.
    assert len(list((disk.desk / "routes").iterdir())) > 30 and disk.directory_syncs[disk.desk / "routes"] == 1
    disk.directory_syncs.clear()

    mail = [make_complaint(number, id=f"M-{number}", message_id=f"m{number}@shop.example") for number in range(40)]
    later = RECEIVED_BASE + timedelta(days=30)
    answers = [CustomerMessage(f"f{n}@customer.example", f"T-{n * 50 + 1}", f"Any news? {n}", later) for n in range(12)]
    store.set_field("T-1", "status", "resolved", "anna")
    result = store.add_mail(mail, answers)  # new complaints, then follow-ups in three shards: journaled
    assert (result.added, result.joined, result.reopened[:1]) == (40, 12, ("T-1",))
    store.set_many("priority", {"T-2": "high", "T-300": "high", "T-599": "low"}, "anna")  # journaled
    assert disk.problems == [] and not disk.pending
    assert disk.directory_syncs[disk.desk / "mailids"] <= 2  # the new complaints' entries, then the follow-ups'

    reopened = Store(disk.desk)
    assert reopened.complaint("T-1").status == "open" and reopened.complaint("T-599").priority == "low"
    assert [message.text for message in reopened.customer_messages("T-51")] == ["Any news? 1"]


def test_a_folder_made_for_attachments_is_fsynced_in_its_parent_once(
    disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(disk.desk)
    store.add_complaints([make_complaint(1)])
    disk.directory_syncs.clear()
    real_mkdir = os.mkdir

    def mkdir(path: str | Path, mode: int = 0o777, **options: object) -> None:
        real_mkdir(path, mode, **options)  # type: ignore[arg-type]
        disk.created(Path(path))  # a new folder's name is an entry in its parent, like a new file

    monkeypatch.setattr(os, "mkdir", mkdir)
    receipt = b"%PDF-1.4 the receipt"
    first = store.keep_attachment(receipt)
    photo = next(
        data for n in range(10_000) if hashlib.sha256(data := f"photo {n}".encode()).hexdigest()[:2] == first[:2]
    )
    second = store.keep_attachment(photo)
    assert disk.problems == [] and not disk.pending
    attachments = disk.desk / "attachments"
    assert disk.directory_syncs[disk.desk] == 1  # attachments/ made once
    assert disk.directory_syncs[attachments] == 1  # attachments/XX/ made once, then only files land in it
    assert disk.directory_syncs[attachments / first[:2]] == 2  # each file's rename
    kept = [Attachment("receipt.pdf", "application/pdf", len(receipt), first), Attachment("p", "text/plain", 0, second)]
    assert [store.attachment_bytes(attachment) for attachment in kept] == [receipt, photo]
