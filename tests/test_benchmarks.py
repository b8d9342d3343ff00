"""The benchmarks still run (on tiny desks): a change to the code they drive must not leave them broken until
the next time someone needs their figures. The figures themselves are the benchmarks' business, not this."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(script: str, *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_storage_benchmark_runs() -> None:
    output = run("storage.py", "--sizes", "200,400", "--runs", "2", "--history", "50")
    lines = output.splitlines()
    assert any(line.split()[:1] == ["200"] for line in lines) and any(line.split()[:1] == ["400"] for line in lines)
    assert "agent-console note" in output and "beside 50 history entries" in output


@pytest.mark.slow
def test_the_inbox_benchmark_runs() -> None:
    output = run("inbox.py", "--sizes", "1500,3000", "--runs", "1")
    for figure in ("first paint", "rows shown", "every row loaded", "per j keypress", "filter, per keystroke"):
        assert figure in output


def test_the_import_benchmark_runs() -> None:
    output = run("importing.py", "--count", "300")
    assert "import of 300 complaints: first" in output and "again (adds nothing)" in output
    assert "notes during an import" in output


def test_the_phrases_benchmark_runs() -> None:
    output = run("phrases.py", "--runs", "20", "--length", "500")
    for language in ("en", "fi", "et", "hr"):
        assert any(line.split()[:1] == [language] for line in output.splitlines())
    assert "keystroke" in output and "1st check" in output


def test_the_replies_benchmark_runs() -> None:
    output = run("replies.py", "--sizes", "100,200", "--runs", "2")
    assert "first reply in-process" in output and "agent-console reply" in output


def test_the_reply_typing_benchmark_runs() -> None:
    output = run("reply_typing.py", "--keys", "4", "--length", "300")
    assert "phrases.check alone" in output and "ratio editor / bare TextArea" in output


def test_the_message_id_benchmark_runs() -> None:
    output = run("mail_ids.py", "--size", "600", "--batch", "200", "--runs", "2")
    assert "known_message_ids of 200 ids (100 known) at 600 complaints" in output
    assert "a dict in memory" in output and "add_mail of 200 new" in output


def test_the_mail_import_benchmark_runs() -> None:
    output = run("mail_import.py", "--count", "60", "--deliveries", "2")
    assert "60 were already present" in output
    for figure in ("(a) parse only", "(b) agent-console import", "(c) the same import again", "import --watch"):
        assert figure in output


def test_the_language_detection_benchmark_runs() -> None:
    output = run("language_detection.py")
    assert "demo bodies:                   48/48" in output


@pytest.mark.tmux
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_mail_arrival_benchmark_runs() -> None:
    output = run("mail_arrival.py", "--mails", "2", "--size", "50")
    assert "imported by the watcher" in output and "shown in the open inbox" in output and "of 2 within 2 s" in output
