"""The one reader of a command's input text (`reply --file`, `phrases check FILE`): a fifo, a device, a
huge file or a hostile file name is one inert line, exit 2, never a hang; the same for both commands."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.store import Store
from console.text_input import TEXT_LIMIT
from tests.conftest import make_complaint, run_cli


@pytest.fixture
def desk(cli_data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("AGENT_CONSOLE_PHRASES", str(tmp_path / "no-shop-rules"))
    Store(cli_data_dir).add_complaints([make_complaint(1)])
    return cli_data_dir


def commands(path: str) -> list[tuple[str, ...]]:
    return [("reply", "T-1", "--file", path), ("phrases", "check", "--lang", "en", path)]


def refused(capsys: pytest.CaptureFixture[str], path: str) -> list[str]:
    lines = []
    for arguments in commands(path):
        status, out, err = run_cli(capsys, *arguments)
        assert (status, out) == (2, ""), arguments
        assert err.count("\n") == 1 and "\x1b" not in err, err
        lines.append(err)
    return lines


def test_a_fifo_is_refused_not_waited_on(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "reply.fifo"
    os.mkfifo(fifo)
    for line in refused(capsys, str(fifo)):
        assert line == f"agent-console: cannot read {fifo}: not a regular file\n"
    assert Store(desk).replies("T-1") == []


def test_a_device_is_refused_not_read_without_end(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for line in refused(capsys, "/dev/zero"):
        assert line == "agent-console: cannot read /dev/zero: not a regular file\n"


def test_a_file_over_the_limit_is_refused(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"calm down " * (TEXT_LIMIT // 10 + 1))
    for line in refused(capsys, str(huge)):
        assert line == f"agent-console: {huge}: a reply is at most {TEXT_LIMIT} bytes\n"
    assert Store(desk).replies("T-1") == []


def test_a_link_to_a_text_file_is_read(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "reply.txt").write_text("Please calm down.\n", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "reply.txt")
    status, _out, err = run_cli(capsys, "reply", "T-1", "--file", str(tmp_path / "link.txt"))
    assert status == 0 and "calm down" in err  # stored, with its warning
    assert [reply.text for reply in Store(desk).replies("T-1")] == ["Please calm down."]
    assert run_cli(capsys, "phrases", "check", "--lang", "en", str(tmp_path / "link.txt"))[0] == 1


def test_a_file_name_with_escapes_is_shown_inert(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for line in refused(capsys, str(tmp_path / "\x1b]0;pwned\x07missing.txt")):
        assert line == f"agent-console: cannot read {tmp_path}/missing.txt: No such file or directory\n"
