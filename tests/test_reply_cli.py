"""`agent-console reply`, and the replies and first-response clock in `show`, `list` and `export` JSON."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from console.store import Store
from tests.conftest import make_complaint, run_cli


@pytest.fixture
def desk(cli_data_dir: Path) -> Path:
    """T-1 in Croatian (open), T-2 in English (waiting), T-3 in Finnish (resolved); all days old."""
    directory = cli_data_dir
    Store(directory).add_complaints(
        [
            make_complaint(1, language="hr"),
            make_complaint(2, status="waiting"),
            make_complaint(3, language="fi", status="resolved"),
        ]
    )
    return directory


def test_a_reply_is_stored_in_the_complaints_language_and_printed(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(capsys, "--agent", "ana", "reply", "T-1", "Poštovani,", "ispričavamo", "se.")
    assert (status, err) == (0, "")
    assert out == "Reply to T-1 stored (Croatian, by ana):\n    Poštovani, ispričavamo se.\n"
    (reply,) = Store(desk).replies("T-1")
    assert (reply.text, reply.language, reply.author) == ("Poštovani, ispričavamo se.", "hr", "ana")


def test_lang_after_the_command_is_the_replys_language_not_the_screens(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = run_cli(capsys, "--lang", "fi", "reply", "T-1", "--lang", "et", "Tere,", "vabandame.")
    assert status == 0
    assert out.startswith("Vastaus")  # the agent's language (fi) for what is said
    assert "(viro," in out  # the reply's language named in the agent's
    assert [(r.text, r.language) for r in Store(desk).replies("T-1")] == [("Tere, vabandame.", "et")]


def test_a_reply_is_read_from_a_file_or_standard_input(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    letter = tmp_path / "letter.txt"
    letter.write_text("Dear customer,\n\nthank you for waiting.\n", encoding="utf-8")
    assert run_cli(capsys, "reply", "T-2", "--file", str(letter))[0] == 0
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Hvala!\n")))
    assert run_cli(capsys, "reply", "T-1", "--file", "-")[0] == 0
    store = Store(desk)
    assert [r.text for r in store.replies("T-2")] == ["Dear customer,\n\nthank you for waiting."]
    assert [r.text for r in store.replies("T-1")] == ["Hvala!"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("reply", "T-1", "  "), "a reply needs some text"),
        (("reply", "NOPE", "Hello"), "no complaint with id 'NOPE'"),
        (("reply", "T-1", "--lang", "sv", "Hej"), "--lang sv is not known"),
        (("reply", "T-1", "--file", "/nonexistent/letter.txt"), "cannot read /nonexistent/letter.txt"),
        (("reply", "T-1", "--file", "/dev/null", "more"), "not both"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_stores_nothing(
    desk: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], said: str
) -> None:
    status, out, err = run_cli(capsys, *args)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and said in err
    assert not any((desk / "replies").glob("*.jsonl"))


def test_a_file_that_is_not_utf8_is_refused(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Hyvä asiakas".encode("latin-1"))
    status, _out, err = run_cli(capsys, "reply", "T-1", "--file", str(latin))
    assert status == 2 and "is not UTF-8 text" in err


def test_show_and_export_carry_replies_and_list_the_first_response_clock(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "--agent", "ana", "reply", "T-1", "Hvala", "na", "strpljenju.")
    _status, out, _err = run_cli(capsys, "show", "T-1", "--format", "json")
    shown = json.loads(out)
    assert [(r["text"], r["language"], r["author"]) for r in shown["replies"]] == [
        ("Hvala na strpljenju.", "hr", "ana")
    ]
    assert shown["first_response_at"] == shown["replies"][0]["at"]
    exported = {c["id"]: c for c in json.loads(run_cli(capsys, "export", "--format", "json")[1])["complaints"]}
    assert [r["text"] for r in exported["T-1"]["replies"]] == ["Hvala na strpljenju."]
    assert exported["T-2"]["replies"] == []
    listed = {c["id"]: c for c in json.loads(run_cli(capsys, "list", "--format", "json")[1])}
    assert listed["T-2"]["first_response_due"] == (make_complaint(2).received + timedelta(hours=24)).isoformat()
    assert {cid: (c["overdue"], c["first_response_at"] is None) for cid, c in listed.items()} == {
        "T-1": (False, False),  # answered
        "T-2": (False, True),  # waiting on the customer: the clock stops
        "T-3": (False, True),  # resolved
    }


def test_an_open_complaint_with_no_reply_past_its_target_is_overdue_in_the_list(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = {c["id"]: c for c in json.loads(run_cli(capsys, "list", "--format", "json")[1])}
    assert listed["T-1"]["overdue"] is True and listed["T-1"]["first_response_at"] is None
    run_cli(capsys, "reply", "T-1", "Hvala.")
    listed = {c["id"]: c for c in json.loads(run_cli(capsys, "list", "--format", "json")[1])}
    assert listed["T-1"]["overdue"] is False


def test_check_counts_the_replies(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "reply", "T-1", "Hvala.")
    status, out, _err = run_cli(capsys, "check")
    assert status == 0 and "3 complaints, 0 notes, 1 reply. No problems found." in out


def test_a_harmful_phrase_is_warned_of_on_stderr_and_the_reply_is_stored_all_the_same(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Prema uvjetima ugovora to nije predvideno."  # typed without č/đ, as on an English keyboard
    status, out, err = run_cli(capsys, "--agent", "ana", "reply", "T-1", text)
    assert status == 0 and out.startswith("Reply to T-1 stored")
    assert err.startswith("1:1: “Prema uvjetima ugovora") and "Better:" in err
    assert [reply.text for reply in Store(desk).replies("T-1")] == [text]


def test_a_clean_reply_says_nothing_on_stderr(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run_cli(capsys, "reply", "T-1", "Hvala Vam na strpljenju, paket stiže sutra.")
    assert (status, err) == (0, "")


@pytest.mark.parametrize("language", ["en", "fi", "et", "hr"])
def test_the_file_option_s_help_names_its_argument_as_the_help_shows_it(
    language: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--file DATOTEKA  … iz datoteke FILE …` left a Croatian agent guessing what FILE was."""
    with pytest.raises(SystemExit):
        run_cli(capsys, "--lang", language, "reply", "--help")
    help_text = " ".join(capsys.readouterr().out.split())
    metavar, described = help_text.rsplit("--file ", 1)[1].split(" ", 1)  # the options list, not the usage
    assert metavar in described.split(" ID ")[0], help_text
