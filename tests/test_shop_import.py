"""Importing a shop's own CSV: --map, --default, --date-format, every problem named with its line."""

import json
from pathlib import Path

import pytest

from console.importing import ERRORS_SHOWN, SUBJECT_LENGTH, subject_from_body
from console.store import Store
from tests.conftest import run_cli

WEBSHOP = (
    "Order,Date,Name,Email,Message\n"
    '10023,30.11.2026,Aino Aalto,aino@example.fi,"Kahvikuppi tuli rikki, sirpaleina koko laatikko, ja toivon '
    'hyvitystä pian.\nTilausnumero on sama kuin viestissä."\n'
    "10024,01.12.2026,Mari Mets,mari@example.ee,Väärä koko.\n"
)
WEBSHOP_OPTIONS = (
    "--map", "Order=id,Date=received,Name=customer_name,Email=customer_email,Message=body",
    "--default", "channel=web", "--default", "language=fi", "--date-format", "%d.%m.%Y",
)  # fmt: skip


@pytest.fixture
def desk(cli_desk: Path) -> Path:
    return cli_desk


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_webshop_export_of_the_issue_imports_with_map_default_and_date_format(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = write(tmp_path / "orders.csv", WEBSHOP)
    status, _out, err = run_cli(capsys, "import", str(orders))
    assert status == 2 and "header lacks columns id, received, channel, language, body" in err and "--map" in err
    status, out, err = run_cli(capsys, "import", str(orders), *WEBSHOP_OPTIONS)
    assert (status, err) == (0, "") and "Imported 2 new complaints" in out
    listed = {c["id"]: c for c in json.loads(run_cli(capsys, "list", "--format", "json")[1])}
    first = listed["10023"]
    assert first["received"] == "2026-11-30T00:00:00+00:00"  # a date without a time: midnight UTC
    assert (first["channel"], first["language"], first["customer_email"]) == ("web", "fi", "aino@example.fi")
    assert first["subject"] == "Kahvikuppi tuli rikki, sirpaleina koko laatikko, ja toivon…"
    assert listed["10024"]["subject"] == "Väärä koko."
    assert Store(desk).complaint("10023").body.endswith("\nTilausnumero on sama kuin viestissä.")


def test_a_subject_from_the_body_is_its_first_line_cut_at_a_word() -> None:
    assert subject_from_body("\n  Hello there  \nmore") == "Hello there"
    long = "word " * 30
    subject = subject_from_body(long)
    assert len(subject) <= SUBJECT_LENGTH and subject.endswith("word…")
    assert subject_from_body("x" * 100) == "x" * (SUBJECT_LENGTH - 1) + "…"


def test_every_problem_of_a_file_is_named_with_the_line_its_record_starts_on(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        "Order,Date,Name,Email,Message",  # 1
        '1,30.11.2026,Aino,aino@example.fi,"two',  # 2: a value over two lines
        'lines"',  # 3
        "",  # 4: blank
        "2,31.11.2026,Bo,bo@example.fi,no such day",  # 5
        "3,30.11.2026,Cy,not-an-address,bad e-mail",  # 6
        "4,30.11.2026,Di,di@example.fi,one,too many",  # 7
        "5,30.11.2026,Ed,ed@example.fi",  # 8
        "1,30.11.2026,Fa,fa@example.fi,the same order again",  # 9
        "6,,,ge@example.fi,",  # 10
        "7,2026-11-30,Hu,hu@example.fi,ISO date but not the format",  # 11
    ]
    orders = write(tmp_path / "orders.csv", "\n".join(rows) + "\n")
    status, out, err = run_cli(capsys, "import", str(orders), *WEBSHOP_OPTIONS)
    assert status == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == "agent-console: 7 problems, nothing was imported:"
    expected = [
        "line 5: received '31.11.2026' does not match --date-format %d.%m.%Y",
        "line 6: customer_email 'not-an-address' is not an e-mail address",
        "line 7: more values than columns",
        "line 8: fewer values than columns",
        "line 9: id '1' already used at line 2",
        "line 10: missing received, customer_name, body",
        "line 11: received '2026-11-30' does not match --date-format %d.%m.%Y",
    ]
    assert lines[1:] == [f"  {orders}: {problem}" for problem in expected]
    assert not Store(desk).complaints()


def test_a_record_with_several_problems_names_them_all_on_its_line(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = write(tmp_path / "orders.csv", "Order,Date,Name,Email,Message\n8,yesterday,Ida,ida,hi\n")
    status, _out, err = run_cli(capsys, "import", str(orders), *WEBSHOP_OPTIONS)
    assert status == 2 and err.count("\n") == 1
    assert "line 2: received 'yesterday' does not match" in err and "customer_email 'ida'" in err
    assert err.endswith("(nothing was imported)\n")


def test_more_than_twenty_problems_show_twenty_and_how_many_more(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"{n},30.11.2026,N{n},n{n}@example.fi,msg" if n % 5 else f"{n},bad,N,n@x,m" for n in range(1, 131)]
    orders = write(tmp_path / "orders.csv", "Order,Date,Name,Email,Message\n" + "\n".join(rows) + "\n")
    status, _out, err = run_cli(capsys, "import", str(orders), *WEBSHOP_OPTIONS)
    lines = err.splitlines()
    assert status == 2 and lines[0] == "agent-console: 26 problems, nothing was imported:"
    assert len(lines) == 1 + ERRORS_SHOWN + 1 and lines[-1] == "  … and 6 more"
    assert lines[1].endswith("line 6: received 'bad' does not match --date-format %d.%m.%Y")
    assert lines[ERRORS_SHOWN].endswith(
        f"line {5 * ERRORS_SHOWN + 1}: received 'bad' does not match --date-format %d.%m.%Y"
    )
    assert not Store(desk).complaints()


def test_json_lines_problems_are_named_by_line_and_an_array_by_record(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {"id": "J-1", "received": "2026-11-20T08:00:00Z", "customer_name": "J", "customer_email": "j@example.ee",
            "channel": "chat", "language": "et", "body": "Arve on vale."}  # fmt: skip
    lines = write(
        tmp_path / "in.jsonl",
        "\n".join([json.dumps(good), "{oops", json.dumps({**good, "id": "J-2", "channel": "fax"})]) + "\n",
    )
    array = write(tmp_path / "in.json", json.dumps([{**good, "id": "J-3"}, {**good, "id": "J-4", "language": "sv"}]))
    status, _out, err = run_cli(capsys, "import", str(lines), str(array))
    assert status == 2 and "3 problems" in err
    assert f"{lines}: line 2: not valid JSON" in err and f"{lines}: line 3: channel 'fax'" in err
    assert f"{array}: record 2: language 'sv'" in err


def test_a_map_to_an_unknown_field_is_one_line_listing_the_fields(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = write(tmp_path / "orders.csv", WEBSHOP)
    status, _out, err = run_cli(capsys, "import", str(orders), "--map", "Order=id,Message=text")
    assert status == 2 and err.count("\n") == 1
    assert "--map Message=text: 'text' is not a field; the fields are id, received, customer_name" in err
    assert "priority" in err


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (("--map", "Order"), "--map 'Order': write NAME=VALUE"),
        (("--map", "Order=id", "--map", "Nr=id"), "--map 'Nr=id': that column or field is mapped twice"),
        (("--default", "channel=fax"), "--default 'channel=fax': channel 'fax' is not one of email, phone, chat, web"),
        (("--default", "language=sv"), "--default 'language=sv': language 'sv' is not one of"),
        (("--default", "id=1"), "every complaint needs its own id"),
        (("--default", "colour=red"), "'colour' is not a field"),
        (("--date-format", "dd.mm.yyyy"), "--date-format 'dd.mm.yyyy': not a strptime format with day, month and year"),
        (("--date-format", "%d.%m"), "--date-format '%d.%m': not a strptime format"),
    ],
)
def test_an_option_that_cannot_be_used_is_one_line_before_any_file_is_read(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], options: tuple[str, ...], said: str
) -> None:
    status, out, err = run_cli(capsys, "import", str(tmp_path / "not-there.csv"), *options)
    assert (status, out) == (2, "") and err.count("\n") == 1 and said in err, err


def test_a_mapped_column_the_header_lacks_is_named(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = write(tmp_path / "orders.csv", WEBSHOP)
    options = [option.replace("Message=body", "Mesage=body") for option in WEBSHOP_OPTIONS]
    status, _out, err = run_cli(capsys, "import", str(orders), *options)
    assert status == 2 and err.count("\n") == 1
    assert "line 1: --map names column 'mesage', which the header lacks" in err and "header lacks column body" in err


def test_several_date_formats_are_tried_in_order_and_an_offset_is_kept(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = WEBSHOP.replace("01.12.2026", "2026/12/01 14:30 +0200")
    orders = write(tmp_path / "orders.csv", text)
    options = [*WEBSHOP_OPTIONS, "--date-format", "%Y/%m/%d %H:%M %z"]
    status, _out, err = run_cli(capsys, "import", str(orders), *options)
    assert (status, err) == (0, "")
    assert Store(desk).complaint("10024").received.isoformat() == "2026-12-01T12:30:00+00:00"


def test_a_default_fills_only_empty_values(desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "Order,Date,Name,Email,Message,channel\n1,30.11.2026,A,a@example.fi,hi,phone\n2,30.11.2026,B,b@example.fi,hi,\n"
    )
    status, _out, err = run_cli(capsys, "import", str(write(tmp_path / "o.csv", text)), *WEBSHOP_OPTIONS)
    assert (status, err) == (0, "")
    store = Store(desk)
    assert (store.complaint("1").channel, store.complaint("2").channel) == ("phone", "web")


def test_import_help_lists_the_fields_and_the_webshop_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "import", "--help")
    out = capsys.readouterr().out
    required, optional = out.split("required fields:")[1].split("optional fields:")
    for name in ("id", "received", "customer_name", "customer_email", "channel", "language", "body"):
        assert f"\n  {name} " in required
    for name in ("subject", "customer_phone", "kind", "priority"):
        assert f"\n  {name} " in optional
    assert "reclamation" in optional and "--map Order=id,Date=received,Message=body" in out
    assert max(len(line) for line in out.splitlines()) < 80


def test_import_help_is_in_the_chosen_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "--lang", "fi", "import", "--help")
    out = capsys.readouterr().out
    assert "required fields:" not in out and "customer_email" in out and "--default channel=web" in out
