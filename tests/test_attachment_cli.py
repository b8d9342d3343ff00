"""`agent-console attachment ID N [-o FILE] [--force]` saves the Nth file of a complaint's conversation,
numbered as `show` lists them: the bytes as they came, to a pipe or a file, never to a terminal, never
through a link, never over a file without --force; a wrong N says how many there are. `show` lists the
files and the customer's later messages, as text and as JSON."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.cli import main
from console.store import Attachment, CustomerMessage, Store
from tests.conftest import make_complaint, run_cli

INVOICE = b"%PDF-1.7\n\x00\xff\xfe binary \r\n bytes"
PHOTO = bytes(range(256)) * 8


@pytest.fixture
def desk(cli_data_dir: Path) -> Store:
    """M-1 by mail with an invoice; a later message from the customer with a photo."""
    store = Store(cli_data_dir)
    invoice = Attachment("invoice.pdf", "application/pdf", len(INVOICE), store.keep_attachment(INVOICE))
    photo = Attachment("lamp\x1b[2J.jpg", "image/jpeg", len(PHOTO), store.keep_attachment(PHOTO))
    store.add_mail([make_complaint(1, id="M-1", message_id="m1@shop.example", attachments=(invoice,))], [])
    at = datetime.now(UTC) - timedelta(hours=1)
    store.add_mail([], [CustomerMessage("f1@customer.example", "M-1", "Here is a photo.", at, "Re: lamp", (photo,))])
    store.add_complaints([make_complaint(2)])
    return store


def test_the_bytes_go_to_a_pipe_identical(desk: Store, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["attachment", "M-1", "1"]) == 0
    assert capsysbinary.readouterr().out == INVOICE
    assert main(["attachment", "M-1", "2"]) == 0
    assert capsysbinary.readouterr().out == PHOTO


def test_a_terminal_gets_one_line_instead_of_the_bytes(
    desk: Store, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["attachment", "M-1", "1"]) == 2
    captured = capsysbinary.readouterr()
    assert captured.out == b"" and captured.err.count(b"\n") == 1 and b"-o FILE" in captured.err


def test_saved_with_o_atomically_and_an_existing_file_only_with_force(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.pdf"
    status, out, err = run_cli(capsys, "attachment", "M-1", "1", "-o", str(target))
    assert (status, err) == (0, "") and target.read_bytes() == INVOICE and "invoice.pdf" in out
    status, out, err = run_cli(capsys, "attachment", "M-1", "2", "-o", str(target))
    assert status == 2 and err.count("\n") == 1 and "--force" in err and target.read_bytes() == INVOICE
    status, out, err = run_cli(capsys, "attachment", "M-1", "2", "-o", str(target), "--force")
    assert status == 0 and target.read_bytes() == PHOTO
    assert "\x1b" not in out  # the name as the customer gave it, made inert
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")] == []


def test_a_link_at_the_output_is_replaced_never_written_through(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep me")
    link = tmp_path / "out.pdf"
    link.symlink_to(victim)
    status, _out, err = run_cli(capsys, "attachment", "M-1", "1", "-o", str(link))
    assert status == 2 and "--force" in err
    status, _out, _err = run_cli(capsys, "attachment", "M-1", "1", "-o", str(link), "--force")
    assert status == 0 and victim.read_bytes() == b"keep me"
    assert not link.is_symlink() and link.read_bytes() == INVOICE


def test_an_unknown_number_says_how_many_there_are(desk: Store, capsys: pytest.CaptureFixture[str]) -> None:
    for number in ("0", "3", "-1"):
        status, out, err = run_cli(capsys, "attachment", "M-1", number)
        assert (status, out) == (2, "") and err == "agent-console: M-1 has 2 attachments: give N from 1 to 2\n"
    status, _out, err = run_cli(capsys, "attachment", "T-2", "1")
    assert status == 2 and err == "agent-console: T-2 has no attachments\n"
    status, _out, err = run_cli(capsys, "attachment", "T-9", "1")
    assert status == 2 and err.count("\n") == 1 and "T-9" in err


def test_a_damaged_attachment_is_refused_as_damage(desk: Store, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    attachment = desk.complaint("M-1").attachments[0]
    (desk.directory / "attachments" / attachment.digest[:2] / attachment.digest).write_bytes(b"tampered")
    assert main(["attachment", "M-1", "1"]) == 1
    captured = capsysbinary.readouterr()
    assert captured.out == b"" and captured.err.count(b"\n") == 1 and b"damaged" in captured.err


def test_show_lists_the_files_and_the_later_messages(desk: Store, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run_cli(capsys, "show", "M-1")
    assert status == 0
    assert f"1. invoice.pdf · application/pdf · {len(INVOICE)} bytes" in out
    assert "Later messages from the customer" in out and "Here is a photo." in out
    assert "2. lamp.jpg · image/jpeg · 2 kB" in out and "\x1b" not in out
    assert out.index("1. invoice.pdf") < out.index("Here is a photo.") < out.index("2. lamp.jpg")

    status, out, _err = run_cli(capsys, "show", "M-1", "--format", "json")
    shown = json.loads(out)
    assert shown["message_id"] == "m1@shop.example"
    assert [(a["number"], a["name"], a["size"]) for a in shown["attachments"]] == [
        (1, "invoice.pdf", len(INVOICE)),
        (2, "lamp\x1b[2J.jpg", len(PHOTO)),
    ]
    [message] = shown["customer_messages"]
    assert (message["id"], message["text"], message["attachments"]) == ("f1@customer.example", "Here is a photo.", [2])
