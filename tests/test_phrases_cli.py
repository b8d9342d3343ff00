"""`agent-console phrases check`: findings as text or JSON, exit 0/1/2, bad input in one line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.phrases import clear_cache
from tests.conftest import run_cli

REPLY_FI = "Hei Maija,\n\nsopimuksen ehtojen mukaan emme hyvitä tätä.\nRauhoittukaa, olkaa hyvä.\n"


@pytest.fixture(autouse=True)
def bundled_rules_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_CONSOLE_PHRASES", str(tmp_path / "no-shop-rules"))
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    clear_cache()


def write(tmp_path: Path, text: str, name: str = "reply.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_clean_reply_exits_0_and_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "Kiitos viestistänne! Hyvitin toimituskulut tilillenne.\n")
    assert run_cli(capsys, "phrases", "check", "--lang", "fi", str(path)) == (0, "", "")


def test_findings_are_listed_by_line_and_column_in_the_ui_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(capsys, "phrases", "check", "--lang", "fi", str(write(tmp_path, REPLY_FI)))
    assert (status, err) == (1, "")
    first, second = out.splitlines()
    assert first.startswith("3:1: ”sopimuksen ehtojen mukaan” — Ehtojen taakse piiloutuminen: Sopimukseen")
    assert "Parempi: Ymmärrän, ettei tämä ollut sitä" in first
    assert second.startswith("4:1: ”Rauhoittukaa” — Vähättely: ")


def test_json_gives_character_offsets_kind_advice_and_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, REPLY_FI)
    status, out, _ = run_cli(capsys, "--lang", "fi", "phrases", "check", "--format", "json", str(path))
    findings = json.loads(out)
    assert status == 1
    assert [(item["text"], item["kind"]) for item in findings] == [
        ("sopimuksen ehtojen mukaan", "contract"),
        ("Rauhoittukaa", "dismissive"),
    ]
    for item in findings:
        assert set(item) == {"start", "end", "text", "kind", "advice", "suggestion"}
        assert REPLY_FI[item["start"] : item["end"]] == item["text"]
    assert findings[0]["advice"].startswith("Sopimukseen tai ehtoihin vetoamalla")


def test_the_language_defaults_to_the_ui_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "Ugovorom nije predvideno, smirite se.\n")
    assert run_cli(capsys, "phrases", "check", str(path))[0] == 0  # English rules: nothing English in it
    monkeypatch.setenv("LANG", "hr_HR.UTF-8")
    status, out, _ = run_cli(capsys, "phrases", "check", str(path))
    assert status == 1
    assert out.splitlines()[0].startswith("1:1: „Ugovorom nije predvideno” — Skrivanje iza uvjeta: ")


def test_standard_input_is_read_by_default_and_for_a_dash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for arguments in (("phrases", "check"), ("phrases", "check", "-")):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Please calm down.")))
        status, out, _ = run_cli(capsys, *arguments, "--lang", "en")
        assert status == 1 and "“calm down” — Dismissive" in out


def test_words_from_the_reply_are_printed_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "Please calm\x1b\x07 down.\n")
    status, out, _ = run_cli(capsys, "phrases", "check", "--lang", "en", str(path))
    assert status == 1 and "\x1b" not in out and "\x07" not in out
    status, out, _ = run_cli(capsys, "phrases", "check", "--lang", "en", "--format", "json", str(path))
    assert "\x1b" not in out and json.loads(out)[0]["text"] == "calm\x1b\x07 down"


@pytest.mark.parametrize(
    ("arguments", "contents", "message"),
    [
        (("--lang", "sv"), b"Hej", "agent-console: no phrase rules for language 'sv' (known: en, fi, et, hr)\n"),
        ((), b"caf\xe9", "agent-console: {path} is not UTF-8 text (byte 3)\n"),
        ((), None, "agent-console: cannot read {path}: No such file or directory\n"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: tuple[str, ...], contents: bytes | None, message: str
) -> None:
    path = tmp_path / "reply.txt"
    if contents is not None:
        path.write_bytes(contents)
    status, out, err = run_cli(capsys, "phrases", "check", *arguments, str(path))
    assert (status, out, err) == (2, "", message.format(path=path))


def test_a_broken_shop_rule_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "en.toml").write_text('[[rule]]\nid = "x"\nkind = "rude"\npatterns = ["x"]\nsuggestion = "y"\n')
    monkeypatch.setenv("AGENT_CONSOLE_PHRASES", str(shop))
    clear_cache()
    status, _, err = run_cli(capsys, "phrases", "check", "--lang", "en", str(write(tmp_path, "Hello.")))
    assert status == 2 and err.count("\n") == 1 and err.startswith(f"agent-console: {shop / 'en.toml'}: rule 'x': ")


def test_the_help_is_translated(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "--lang", "et", "phrases", "check", "--help")
    out = capsys.readouterr().out
    assert "kontrolli vastust kahjulike väljendite suhtes" in out and "standardsisend" in out


def test_exit_codes_of_the_installed_command(tmp_path: Path) -> None:
    environment = {"PATH": "/usr/bin:/bin", "AGENT_CONSOLE_PHRASES": str(tmp_path / "none"), "HOME": str(tmp_path)}

    def status(*arguments: str, text: str = "") -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "console", "phrases", "check", *arguments]
        return subprocess.run(command, input=text, capture_output=True, text=True, env=environment, timeout=60)

    clean, flagged = status("--lang", "hr", text="Hvala na strpljenju."), status("--lang", "hr", text="Smirite se!")
    unknown, missing = status("--lang", "xx", text="Hello"), status(str(tmp_path / "missing.txt"))
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")
    assert flagged.returncode == 1 and flagged.stdout.startswith("1:1: ")
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "Traceback" not in unknown.stderr
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
