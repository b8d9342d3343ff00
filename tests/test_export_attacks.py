"""A tampered lossless export and hostile stored text, tried against `import`, `export --format mbox` and
`send`: no control reaches the terminal, no line break reaches a mail header."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from console.store import Store
from tests.conftest import make_complaint, run_cli


@pytest.fixture
def exported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    store = Store(tmp_path / "desk")
    store.add_mail([make_complaint(1, id="M-1", message_id="m1@customer.example")], [])
    target = tmp_path / "out.json"
    desk = str(store.directory)
    status, _out, err = run_cli(capsys, "--data-dir", desk, "export", "--format", "json", "-o", str(target))
    assert (status, err) == (0, "")
    return json.loads(target.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _import(tmp_path: Path, capsys: pytest.CaptureFixture[str], document: dict[str, Any]) -> tuple[int, str]:
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    status, _out, err = run_cli(capsys, "--data-dir", str(tmp_path / "fresh"), "import", str(path))
    return status, err


def test_a_control_in_a_tampered_documents_key_is_shown_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], exported: dict[str, Any]
) -> None:
    exported["attachments"]["\x1b]0;owned\x07\u009b2J\nforged line"] = "AAAA"
    exported["\x1b[2Junknown"] = 1
    status, err = _import(tmp_path, capsys, exported)
    assert status == 2
    assert not any(character in err for character in "\x1b\x07\u009b"), ascii(err)
    assert "\\x1b]0;owned\\x07" in err and len(err.splitlines()) == 3  # the heading and two problems


def _set_message_id(value: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["complaints"][0]["message_id"] = value

    return change


@pytest.mark.parametrize("message_id", ["m1@x\r\nBcc: victim@example.com", "two words@x", "<m1@x>", "m1@x\x00"])
def test_a_message_id_no_mail_could_carry_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], exported: dict[str, Any], message_id: str
) -> None:
    _set_message_id(message_id)(exported)
    status, err = _import(tmp_path, capsys, exported)
    assert status == 2 and "complaints[0].message_id" in err and "nothing was imported" in err
    assert Store(tmp_path / "fresh").complaints() == []


def test_a_customer_message_id_or_a_sent_message_id_with_a_line_break_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], exported: dict[str, Any]
) -> None:
    complaint = exported["complaints"][0]
    complaint["customer_messages"] = [
        {"id": "f1@x\nBcc: a@b", "complaint_id": "M-1", "text": "t", "at": "2026-12-01T10:00:00+00:00",
         "subject": "s", "attachments": []}
    ]  # fmt: skip
    status, err = _import(tmp_path, capsys, exported)
    assert status == 2 and "complaints[0].customer_messages[0].id" in err
