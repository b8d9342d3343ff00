"""The command line, run in-process as a script would run it."""

import csv
import io
import json
from pathlib import Path

import pytest

from console.cli import main
from tests.conftest import run_cli

HEADER = "id,received,customer_name,customer_email,channel,language,subject,body,kind,priority\n"
ROWS = [
    "A-1,2026-11-20T08:00:00+02:00,Aino Aalto,aino@example.fi,email,fi,Laskutusvirhe,"
    '"Lasku on väärin.",complaint,high\n',
    'A-2,2026-11-21T09:30:00Z,Ivo Ivić,ivo@example.hr,phone,hr,Otkaz,"Želim otkazati ugovor.",cancellation,\n',
]


run = run_cli


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "desk"
    monkeypatch.setenv("AGENT_CONSOLE_DATA", str(directory))
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    return directory


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_import_then_list_show_and_export(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, "in.csv", HEADER + "".join(ROWS))
    status, out, _ = run(capsys, "import", str(source))
    assert status == 0 and "Imported 2 new complaints" in out

    status, out, _ = run(capsys, "list", "--format", "json")
    records = json.loads(out)
    assert [record["id"] for record in records] == ["A-2", "A-1"]  # newest first
    assert records[1]["received"] == "2026-11-20T06:00:00+00:00"  # stored in UTC
    assert records[0]["priority"] == "normal" and records[0]["kind"] == "cancellation"

    status, out, _ = run(capsys, "list")
    assert status == 0 and "Ivo Ivić" in out and "Laskutusvirhe" in out


def test_importing_the_same_file_twice_adds_nothing(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, "in.csv", HEADER + "".join(ROWS))
    run(capsys, "import", str(source))
    status, out, _ = run(capsys, "import", str(source))
    assert status == 0 and "Imported 0 new complaints" in out and "2 were already present" in out
    _, out, _ = run(capsys, "list", "--format", "csv")
    assert len(list(csv.DictReader(io.StringIO(out)))) == 2


def test_json_array_and_json_lines_import(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = {
        "id": "J-1",
        "received": "2026-11-22T10:00:00+00:00",
        "customer name": "Jaan Tamm",
        "customer email": "jaan@example.ee",
        "channel": "chat",
        "language": "et_EE",
        "subject": "Arve",
        "body": "Arve on vale.",
    }
    array = write(tmp_path, "a.json", json.dumps([record]))
    lines = write(
        tmp_path, "b.jsonl", json.dumps({**record, "id": "J-2"}) + "\n\n" + json.dumps({**record, "id": "J-3"})
    )
    status, out, err = run(capsys, "import", str(array), str(lines))
    assert (status, err) == (0, "") and "Imported 3 new complaints" in out
    _, out, _ = run(capsys, "show", "J-1", "--format", "json")
    assert json.loads(out)["language"] == "et"


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.csv", HEADER + ROWS[0] + ROWS[1].replace("phone", "fax"), "line 3: channel 'fax'"),
        ("bad.csv", HEADER + ROWS[0].replace("2026-11-20T08:00:00+02:00", "yesterday"), "line 2: received 'yesterday'"),
        ("bad.csv", HEADER.replace(",body", "") + ROWS[0], "header lacks column body"),
        ("bad.csv", HEADER + ROWS[0] + ROWS[0], "line 3: id 'A-1' already used at line 2"),
        ("bad.csv", HEADER + ROWS[0].replace(",fi,", ",sv,"), "line 2: language 'sv'"),
        ("bad.json", '[{"id": "X"}]', "record 1: missing received"),
        ("bad.json", '[3]', "record 1: a record must be an object"),
        ("bad.json", '[\n{"id": 1,\n', "line 3: not valid JSON"),
        ("bad.jsonl", '{"id": "X"}\n', "line 1: missing received"),
        ("bad.jsonl", '\n{oops}\n', "line 2: not valid JSON"),
        ("empty.json", "  \n", "is empty"),
        (
            "far.json",
            '[{"id": "F", "received": "0001-01-01T00:00+01:00", "customer_name": "x",'
            ' "customer_email": "x@y", "channel": "web", "language": "en", "subject": "s", "body": "b"}]',
            "record 1: received '0001-01-01T00:00+01:00'",
        ),
        (
            "esc.json",
            '[{"id": "E\\u001b]0;x\\u0007", "received": "2026-11-20T08:00:00Z", "customer_name": "x",'
            ' "customer_email": "x@y", "channel": "web", "language": "en", "subject": "s", "body": "b"}]',
            "holds control characters",
        ),
    ],
)
def test_a_malformed_file_is_rejected_whole_with_one_line(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, where: str
) -> None:
    good = write(tmp_path, "good.csv", HEADER + ROWS[0].replace("A-1", "G-1"))
    bad = write(tmp_path, name, text)
    status, out, err = run(capsys, "import", str(good), str(bad))
    assert status == 2
    assert err.count("\n") == 1 and name in err and where in err and "nothing was imported" in err, err
    assert "Traceback" not in err
    _, out, _ = run(capsys, "list", "--format", "json")
    assert json.loads(out) == []  # not even the good file was imported


def test_missing_import_file_is_one_line(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "import", str(tmp_path / "nope.csv"))
    assert status == 2 and "nope.csv" in err and err.count("\n") == 1


def test_note_then_show_json_has_steps_and_notes(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(write(tmp_path, "in.csv", HEADER + ROWS[1])))
    status, out, _ = run(capsys, "note", "A-2", "Nazvao kupca [b]sutra[/b]", "--agent", "ivana")
    assert status == 0 and "ivana" in out
    _, out, _ = run(capsys, "show", "A-2", "--format", "json")
    shown = json.loads(out)
    assert shown["notes"][0]["text"] == "Nazvao kupca [b]sutra[/b]"
    assert shown["notes"][0]["author"] == "ivana" and shown["notes"][0]["at"].endswith("+00:00")
    assert [step["id"] for step in shown["steps"]] == ["apologise", "ask", "instruct", "confirm", "thank"]
    assert all(step["done"] is False and step["by"] is None for step in shown["steps"])


def test_unknown_id_is_one_line_and_exit_2(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["show", "NOPE"], ["note", "NOPE", "text"]):
        status, _, err = run(capsys, *command)
        assert status == 2 and err == "agent-console: no complaint with id 'NOPE'\n"


def test_show_text_makes_hostile_text_inert(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = {
        "id": "H-1",
        "received": "2026-11-22T10:00:00Z",
        "customer_name": "Eve \x1b]0;pwned\x07",
        "customer_email": "eve@example.com",
        "channel": "web",
        "language": "en",
        "subject": "[bold]Hi[/bold]",
        "body": "clear\x1b[2J screen \x9b31m",
    }
    run(capsys, "import", str(write(tmp_path, "h.json", json.dumps([record]))))
    _, out, _ = run(capsys, "show", "H-1")
    assert "\x1b" not in out and "\x9b" not in out
    assert "[bold]Hi[/bold]" in out and "clear screen" in out


def test_export_to_a_file_in_both_formats(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "import", str(write(tmp_path, "in.csv", HEADER + "".join(ROWS))))
    run(capsys, "note", "A-1", "first note")
    run(capsys, "export", "--format", "json", "-o", str(tmp_path / "out.json"))
    exported = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert {record["id"]: len(record["notes"]) for record in exported["complaints"]} == {"A-1": 1, "A-2": 0}
    run(capsys, "export", "--format", "csv", "-o", str(tmp_path / "out.csv"))
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert {row["id"]: row["notes"] for row in rows} == {"A-1": "1", "A-2": "0"}
    # An export is itself importable into a fresh desk.
    status, out, _ = run(capsys, "import", str(tmp_path / "out.csv"), "--data-dir", str(tmp_path / "other"))
    assert status == 0 and "Imported 2 new complaints" in out


def test_unknown_language_warns_in_one_line_and_uses_english(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(write(tmp_path, "in.csv", HEADER + ROWS[0])))
    status, out, err = run(capsys, "list", "--lang", "klingon")
    assert status == 0
    assert err == "agent-console: unknown language 'klingon' (supported: en, fi, et, hr); using English\n"
    assert "Status" in out


def test_language_comes_from_the_environment(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "import", str(write(tmp_path, "in.csv", HEADER + ROWS[0])))
    monkeypatch.setenv("LANG", "fi_FI.UTF-8")
    _, out, _ = run(capsys, "show", "A-1")
    assert "Tila: avoin" in out


def test_a_damaged_store_is_one_line_and_left_alone(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desk.mkdir(parents=True)
    (desk / "desk.json").write_text('{"complaints": {"1": {"id"', encoding="utf-8")
    status, _, err = run(capsys, "list")
    assert status == 1 and "desk.json is damaged" in err and err.count("\n") == 1
    assert (desk / "desk.json").read_text("utf-8") == '{"complaints": {"1": {"id"'


def test_the_tui_refuses_a_damaged_store_before_taking_the_screen(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desk.mkdir(parents=True)
    (desk / "desk.json").write_bytes(b"\x00\x01 not json")
    status, out, err = run(capsys, "--lang", "en")
    assert status == 1 and err.count("\n") == 1 and "desk.json is damaged" in err and out == ""
    assert (desk / "desk.json").read_bytes() == b"\x00\x01 not json"


def test_demo_opens_a_fresh_temporary_desk_and_leaves_the_real_one_alone(
    desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: dict[str, object] = {}

    def record_instead_of_taking_the_terminal(app: object) -> None:
        store = app.store  # type: ignore[attr-defined]
        opened["directory"] = store.directory
        opened["complaints"] = len(store.complaints())
        opened["notes"] = sum(len(notes) for notes in store.notes_by_complaint().values())

    monkeypatch.setattr("console.app.ConsoleApp.run", record_instead_of_taking_the_terminal)
    assert main(["--demo"]) == 0
    assert opened["complaints"] == 48 and opened["notes"] > 40
    assert opened["directory"] != desk and not Path(str(opened["directory"])).exists()  # removed afterwards
    assert not desk.exists()


def test_a_known_id_with_other_content_is_reported_not_applied(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", str(write(tmp_path, "in.csv", HEADER + ROWS[0])))
    changed = write(tmp_path, "changed.csv", HEADER + ROWS[0].replace("Aino Aalto", "Someone Else"))
    status, out, err = run(capsys, "import", str(changed))
    assert status == 0 and "Imported 0 new complaints" in out
    assert err == "Warning: 1 known complaint differs from the file and was kept as stored: A-1\n"
    _, out, _ = run(capsys, "show", "A-1", "--format", "json")
    assert json.loads(out)["customer_name"] == "Aino Aalto"


def test_note_takes_several_words_and_an_empty_desk_lists_a_hint(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "list")
    assert status == 0 and "agent-console import FILE" in out
    run(capsys, "import", str(write(tmp_path, "in.csv", HEADER + ROWS[0])))
    run(capsys, "note", "A-1", "called", "back", "twice")
    _, out, _ = run(capsys, "show", "A-1", "--format", "json")
    assert json.loads(out)["notes"][0]["text"] == "called back twice"


def test_errors_speak_the_chosen_language(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "show", "NOPE", "--lang", "fi")
    assert status == 2 and "NOPE" in err and "no complaint" not in err
    bad = write(tmp_path, "bad.csv", HEADER + ROWS[0].replace(",email,", ",fax,"))
    status, _, err = run(capsys, "import", str(bad), "--lang", "hr")
    assert status == 2 and "bad.csv" in err and "'fax'" in err and "line 2" not in err


def test_a_stored_value_outside_its_set_is_damage_not_shown(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desk.mkdir(parents=True)
    document = {
        "complaints": {"1": {"id": "B-1", "received": "2026-11-20T08:00:00+00:00", "customer_name": "x",
                             "customer_email": "x@example.com", "channel": "email", "language": "en",
                             "subject": "s", "body": "b", "status": "bogus"}}
    }  # fmt: skip
    (desk / "desk.json").write_text(json.dumps(document), encoding="utf-8")
    status, out, err = run(capsys, "list")
    assert status == 1 and "bogus" in err and "damaged" in err and out == ""


def test_json_output_writes_c1_controls_and_bidi_overrides_as_escapes(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        capsys,
        "import",
        str(write(tmp_path, "in.csv", HEADER + ROWS[0].replace("Lasku on väärin.", "a\u009bb\u202ec"))),
    )
    _, out, _ = run(capsys, "show", "A-1", "--format", "json")
    assert "\u009b" not in out and "\u202e" not in out
    assert "\\u009b" in out and json.loads(out)["body"] == "a\u009bb\u202ec"


def test_seed_check_backup_and_restore(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "seed", "--count", "700", "--seed", "3")
    assert status == 0 and "Added 700 synthetic complaints." in out
    listed = json.loads(run(capsys, "list", "--format", "json")[1])
    assert len(listed) == 700
    assert {c["language"] for c in listed} == {"en", "fi", "et", "hr"}
    assert len({c["kind"] for c in listed}) >= 4 and len({c["status"] for c in listed}) == 3
    from console.store import Store

    seeded = Store(desk)
    assert sum(len(notes) for notes in seeded.notes_by_complaint().values()) > 100
    assert sum(bool(c.ticks) for c in seeded.complaints()) > 300
    assert run(capsys, "seed", "--count", "700", "--seed", "3")[1].startswith("Added 0 ")  # the same ids again

    status, out, _err = run(capsys, "check")
    assert status == 0 and "700 complaints" in out and "No problems found." in out

    run(capsys, "note", "S-000042", "kept", "in", "the", "backup")
    run(capsys, "reply", "S-000042", "--lang", "en", "Thank", "you", "for", "waiting.")
    archive = tmp_path / "snapshot.tar.gz"
    status, out, _err = run(capsys, "backup", "-o", str(archive))
    assert status == 0 and str(archive) in out
    run(capsys, "note", "S-000042", "after", "the", "backup")

    restored = tmp_path / "restored"
    status, out, _err = run(capsys, "restore", str(archive), "--data-dir", str(restored))
    assert (
        status == 0
        and out.startswith("Restored 700 complaints, ")
        and out.endswith(f" notes and 1 reply into {restored}.\n")
    )
    shown = json.loads(run(capsys, "show", "S-000042", "--format", "json", "--data-dir", str(restored))[1])
    assert [note["text"] for note in shown["notes"]][-1] == "kept in the backup"
    status, _out, err = run(capsys, "restore", str(archive), "--data-dir", str(restored))
    assert status == 1 and "not empty" in err and err.count("\n") == 1


def test_check_reports_damage_and_fails(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "seed", "--count", "10")
    shard = desk / "shards" / "00000.json"
    shard.write_bytes(shard.read_bytes()[:100])
    status, out, _err = run(capsys, "check")
    assert status == 1 and "00000.json" in out and "1 problem found." in out
    assert len(shard.read_bytes()) == 100


def test_restoring_something_that_is_no_backup_is_one_line(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = write(tmp_path, "bogus.tar.gz", "not an archive")
    status, _out, err = run(capsys, "restore", str(bogus), "--data-dir", str(tmp_path / "new"))
    assert status == 1 and "bogus.tar.gz is damaged" in err and err.count("\n") == 1
    assert not (tmp_path / "new").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".restore-")]


def test_seed_needs_a_positive_count(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["seed", "--count", "zero"])
    assert exit_info.value.code == 2 and "positive whole number" in capsys.readouterr().err


def test_the_export_formats_offered_are_the_ones_there_are() -> None:
    from console import cli, exports

    assert cli.EXPORT_FORMATS == exports.EXPORT_FORMATS


def test_help_is_in_the_language_asked_for(
    desk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--lang", "fi", "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert out.startswith("käyttö: agent-console") and "komennot:" in out and "yhteiset valitsimet:" in out
    assert "näytä tämä ohje ja lopeta" in out and "usage" not in out and "show this help" not in out

    with pytest.raises(SystemExit):
        main(["note", "--help", "--lang", "hr"])  # --lang after the subcommand counts too
    out = capsys.readouterr().out
    assert out.startswith("uporaba: agent-console note") and "argumenti:" in out and "oznaka pritužbe" in out

    monkeypatch.setenv("LANG", "et_EE.UTF-8")
    with pytest.raises(SystemExit):
        main(["seed", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("kasutus: ") and "mitu kaebust lisada" in out


def test_a_bad_count_is_one_line_in_the_chosen_language(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--lang", "hr", "seed", "--count", "nula"])
    assert done.value.code == 2
    assert "'nula' nije pozitivan cijeli broj" in capsys.readouterr().err


@pytest.fixture
def imported(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A-1 (high, received 2026-11-20) and A-2 (normal, 2026-11-21), both open; A-2 waiting."""
    run(capsys, "import", str(write(tmp_path, "in.csv", HEADER + "".join(ROWS))))
    run(capsys, "set", "A-2", "--status", "waiting")
    return desk


def _history(desk: Path, complaint_id: str) -> list[dict[str, object]]:
    from console.store import Store

    return [change._asdict() for change in Store(desk).history(complaint_id)]


def test_set_changes_the_named_complaints_and_keeps_history(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "set", "A-1", "A-2", "--status", "resolved", "--agent", "cron")
    assert (status, err) == (0, "")
    assert out.splitlines() == ["A-1: status open → resolved", "A-2: status waiting → resolved"]
    assert [(c["old"], c["new"], c["by"]) for c in _history(imported, "A-2")][-1] == ("waiting", "resolved", "cron")
    status, out, _ = run(capsys, "set", "A-1", "--status", "resolved")
    assert (status, out) == (0, "Nothing to change.\n")


def test_set_where_takes_the_inbox_query_with_an_age(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "set", "--where", "status:waiting age:>7d", "--status", "resolved")
    assert (status, out) == (0, "A-2: status waiting → resolved\n")  # A-1 is not waiting
    status, out, _ = run(capsys, "set", "A-1", "A-2", "--where", "prio:high", "--assignee", "Ana")
    assert out == "A-1: assigned to Ana\n"  # ids and a query: those of the ids it finds
    status, out, _ = run(capsys, "set", "--where", "agent:ana", "--unassign")
    assert out == "A-1: unassigned\n"
    status, out, _ = run(capsys, "set", "--where", "age:<1d", "--priority", "urgent")
    assert (status, out) == (0, "Nothing to change.\n")  # the desk's complaints are older than a day


def test_set_takes_values_in_the_current_language_and_answers_in_it(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "set", "A-1", "--status", "odottaa", "--lang", "fi")
    assert (status, out) == (0, "A-1: tila avoin → odottaa\n")
    status, out, _ = run(capsys, "set", "A-1", "--priority", "HITAN", "--lang", "hr")
    assert status == 0 and out.startswith("A-1: ") and "hitan" in out
    status, out, _ = run(capsys, "set", "A-2", "--playbook", "upset", "--lang", "et")
    assert status == 0 and out.startswith("A-2: ")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["A-1", "NOPE", "--status", "resolved"], "no complaint with id 'NOPE'"),
        (["A-1", "--status", "closed"], "--status closed is not known; try open, waiting, resolved"),
        (["A-1", "--playbook", "teapot"], "--playbook teapot is not known"),
        (["--where", "status:maybe", "--status", "open"], "--where: status:maybe is not known"),
        (["--where", "age:>2", "--status", "open"], "--where: age:>2 is not an age"),
        (["--status", "open"], "name the complaints"),
        (["A-1", "--assignee", " "], "--assignee needs a name"),
    ],
)
def test_set_refuses_bad_input_with_one_line_and_changes_nothing(
    imported: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    before = {p: p.read_bytes() for p in imported.rglob("*") if p.is_file()}
    status, out, err = run(capsys, "set", *arguments)
    assert (status, out) == (2, "") and err.count("\n") == 1 and message in err
    assert {p: p.read_bytes() for p in imported.rglob("*") if p.is_file()} == before
