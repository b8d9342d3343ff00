"""`agent-console … | head -1`: a reader that stops reading is no error of ours. The command ends quietly
with 141 (what a shell reports for a process ended by SIGPIPE, as `yes | head` is), no traceback, and what
it changed before printing stays changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.store import Store
from tests.conftest import make_complaint

EXIT_CLOSED_PIPE = 141


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(number) for number in range(1, 31)])
    return store.directory


def into_a_closed_pipe(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with its stdout a pipe nobody reads any more (closed before it writes a byte)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [sys.executable, "-m", "console", *arguments],
            stdin=subprocess.DEVNULL,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "LANGUAGE": "en"},
        )
    finally:
        os.close(writer)


def test_list_into_a_closed_pipe_ends_quietly(desk: Path) -> None:
    result = into_a_closed_pipe("list", "--data-dir", str(desk))
    assert (result.returncode, result.stderr) == (EXIT_CLOSED_PIPE, "")


def test_set_into_a_closed_pipe_ends_quietly_and_keeps_the_change(desk: Path) -> None:
    result = into_a_closed_pipe("set", "T-1", "T-2", "--status", "waiting", "--data-dir", str(desk))
    assert (result.returncode, result.stderr) == (EXIT_CLOSED_PIPE, "")
    assert [Store(desk).complaint(cid).status for cid in ("T-1", "T-2", "T-3")] == ["waiting", "waiting", "open"]
