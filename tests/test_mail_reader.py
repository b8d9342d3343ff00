"""Reading mail into records: charsets, encoded headers, MIME structure, HTML, attachments, languages, and broken
messages named by their position."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from console.html_text import html_to_text
from console.language_detection import detect_language
from console.mail_reader import (
    BrokenMail,
    NotMail,
    Position,
    is_maildir,
    is_mbox,
    message_keys,
    raw_messages,
    read_message,
)
from console.resources import data_dir
from tests.mail_samples import encoded, mail, multipart, write_maildir, write_mbox

HERE = Position(1, 1)


def test_a_finnish_mail_in_iso_8859_15_reads_with_its_euro_sign_and_umlauts() -> None:
    raw = mail(
        "Hei, tilaukseni ei ole vieläkään tullut perille. Maksoin 4,90 € toimituksesta, mitä nyt tehdään?",
        sender=f"{encoded('Päivi Mäkelä', 'iso-8859-15')} <paivi@example.fi>",
        subject=encoded("Tilaus ei ole tullut, hyvitys 4,90 €", "iso-8859-15"),
        charset="iso-8859-15",
    )
    record = read_message(raw, HERE)
    assert (record.name, record.email) == ("Päivi Mäkelä", "paivi@example.fi")
    assert record.subject == "Tilaus ei ole tullut, hyvitys 4,90 €"
    assert "vieläkään" in record.body and "4,90 €" in record.body
    assert record.language == "fi"
    assert record.message_id == "m1@example.com"
    assert record.received.isoformat() == "2026-12-01T09:30:00+00:00"


def test_a_croatian_mail_in_windows_1250_with_a_base64_subject() -> None:
    subject = "Reklamacija: uređaj je stigao oštećen"
    word = "=?windows-1250?b?" + base64.b64encode(subject.encode("cp1250")).decode() + "?="
    raw = mail(
        "Poštovani, naručeni uređaj stigao je oštećen i ne radi. Molim zamjenu ili povrat novca.",
        sender=f"{encoded('Željka Čović', 'windows-1250')} <zeljka@example.hr>",
        subject=word,
        charset="windows-1250",
    )
    record = read_message(raw, HERE)
    assert record.subject == subject
    assert record.name == "Željka Čović"
    assert "oštećen" in record.body
    assert record.language == "hr"


def test_an_estonian_mail_in_windows_1257() -> None:
    raw = mail(
        "Tere! Tellisin eelmisel nädalal jope, kuid sain vale suuruse. Palun vahetage see õige vastu.",
        sender=f"{encoded('Tõnu Järvelõhmus', 'windows-1257')} <tonu@example.ee>",
        subject=encoded("Vale suurus, palun vahetust", "windows-1257"),
        charset="windows-1257",
    )
    record = read_message(raw, HERE)
    assert record.name == "Tõnu Järvelõhmus"
    assert "nädalal" in record.body and "õige" in record.body
    assert record.language == "et"


def test_an_unknown_charset_does_not_stop_the_mail() -> None:
    raw = mail(
        b"Tere, minu tellimus on kadunud ja ma soovin raha tagasi.",
        subject="=?x-unknown?q?Tere_=F5htust?=",
        charset="x-bogus",
    )
    record = read_message(raw, HERE)
    assert record.subject == "Tere õhtust"  # the unknown label's bytes read as Windows-1252
    assert record.body == "Tere, minu tellimus on kadunud ja ma soovin raha tagasi."


def test_raw_8bit_headers_are_read_as_utf8_or_windows_1252() -> None:
    raw = mail("Hello", subject="SUBJECT", sender="NAME <j@example.fi>")
    raw = raw.replace(b"SUBJECT", "Tilaus myöhässä".encode("cp1252")).replace(b"NAME", "Järvi".encode())
    record = read_message(raw, HERE)
    assert record.subject == "Tilaus myöhässä"
    assert record.name == "Järvi"


def test_multipart_alternative_prefers_the_plain_text() -> None:
    raw = multipart(
        [
            b"Content-Type: text/plain; charset=utf-8\n\nThe plain words of my complaint.",
            b"Content-Type: text/html; charset=utf-8\n\n<p>The <b>HTML</b> words</p>",
        ],
        kind="alternative",
    )
    record = read_message(raw, HERE)
    assert record.body == "The plain words of my complaint."
    assert record.attachments == ()


def test_an_html_only_mail_becomes_readable_text() -> None:
    html = (
        "<html><head><style>p {color: red}</style><script>alert('x')</script></head><body>"
        "<p>Hello,</p><p>my order <b>A-17</b> never came. See <a href='https://shop.example/o/17'>the order</a>."
        "</p><ul><li>a blue coat</li><li>a scarf</li></ul><p>Regards<br>Anna</p></body></html>"
    )
    record = read_message(mail(html, content_type="text/html"), HERE)
    assert record.body == (
        "Hello,\n\nmy order A-17 never came. See the order (https://shop.example/o/17).\n\n"
        "- a blue coat\n- a scarf\n\nRegards\nAnna"
    )
    assert "alert" not in record.body and "color" not in record.body


def test_html_to_text_keeps_preformatted_lines_and_drops_dangerous_links() -> None:
    text = html_to_text(
        "<pre>  order\n    12</pre><a href='javascript:x()'>click</a> <a href='mailto:a@b.fi'>a@b.fi</a>"
    )
    assert text.splitlines() == ["  order", "    12", "", "click a@b.fi"]


def test_an_attachment_is_kept_with_a_clean_name_type_and_bytes() -> None:
    pdf = b"%PDF-1.4 receipt"
    raw = multipart(
        [
            b"Content-Type: text/plain; charset=utf-8\n\nThe receipt is attached.",
            b"Content-Type: application/pdf\nContent-Disposition: attachment; "
            b'filename="..\\\\..\\\\C:\\\\temp/\x1b[2Jreceipt.pdf"\nContent-Transfer-Encoding: base64\n\n'
            + base64.b64encode(pdf),
            b"Content-Type: image/png\nContent-Transfer-Encoding: base64\n\n" + base64.b64encode(b"\x89PNG"),
        ]
    )
    record = read_message(raw, HERE)
    assert record.body == "The receipt is attached."
    assert [(a.name, a.content_type, a.data) for a in record.attachments] == [
        ("receipt.pdf", "application/pdf", pdf),
        ("", "image/png", b"\x89PNG"),
    ]


def test_content_language_is_taken_before_any_guess() -> None:
    raw = mail("OK thanks, bye now then", headers=(("Content-Language", "et-EE"),))
    assert read_message(raw, HERE).language == "et"


def test_a_text_too_short_to_tell_gets_the_default_language() -> None:
    raw = mail("12345", subject="Re")
    assert read_message(raw, HERE, default_language="hr").language == "hr"
    assert read_message(raw, HERE).language == "en"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"\x00\x01garbage that is no mail at all\xff", "no sender"),
        (b"Subject: who sent this?\n\nNobody says.", "no sender"),
        (b"From: not an address\nSubject: x\n\nbody", "no sender"),
        (b"From: a@example.com\n\n", "nothing in it"),
    ],
)
def test_a_broken_message_says_why(raw: bytes, problem: str) -> None:
    with pytest.raises(BrokenMail, match=problem):
        read_message(raw, HERE)


def test_a_mime_tree_nested_too_deeply_is_a_broken_message_not_a_crash() -> None:
    raw = b"From: a@example.fi\nSubject: deep\n"
    for depth in range(3000):
        raw += b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (depth, depth)
    with pytest.raises(BrokenMail, match="cannot be read as mail"):
        read_message(raw + b"Content-Type: text/plain\n\nhello\n", HERE)


def test_the_keys_come_from_the_header_block_and_a_message_without_an_id_gets_a_stable_one() -> None:
    raw = b"Message-ID:\n <folded@x>\nReferences: <r1@x>\n <r2@x>\nIn-Reply-To: <r2@x>\n\nMessage-ID: <no@x>"
    assert message_keys(raw) == ("folded@x", ("r2@x", "r1@x"))
    anonymous = mail("No id here", message_id=None)
    made_up = message_keys(anonymous).message_id
    assert made_up == message_keys(anonymous).message_id == read_message(anonymous, HERE).message_id
    assert made_up != message_keys(mail("Another text", message_id=None)).message_id


def test_an_mbox_gives_each_message_with_its_number_and_the_line_of_its_from_line(tmp_path: Path) -> None:
    messages = [mail("first\nFrom here on, a quoted line", message_id="<1@x>"), b"garbage", mail("third")]
    path = write_mbox(tmp_path / "box.mbox", messages)
    assert is_mbox(path) and not is_maildir(path)
    found = list(raw_messages(path))
    lines = path.read_bytes().split(b"\n")
    from_lines = [number for number, line in enumerate(lines, start=1) if line.startswith(b"From ")]
    assert [position for position, _raw in found] == [Position(n, line) for n, line in enumerate(from_lines, start=1)]
    assert len(from_lines) == 3 and from_lines[0] == 1
    assert b">From here on" in found[0][1]
    assert found[1][1].strip() == b"garbage"
    with pytest.raises(BrokenMail):
        read_message(found[1][1], found[1][0])
    assert found[1][0].describe() == f"message 2 (line {from_lines[1]})"


def test_a_maildir_gives_new_and_cur_but_never_tmp(tmp_path: Path) -> None:
    box = write_maildir(tmp_path / "Mail", [mail("one", message_id="<1@x>"), mail("two", message_id="<2@x>")])
    (box / "tmp" / "123.half-written").write_bytes(b"From: a@b.fi\n\nhal")
    seen = next(iter(sorted((box / "new").iterdir())))
    seen.rename(box / "cur" / (seen.name + ":2,S"))
    found = list(raw_messages(box))
    assert sorted(message_keys(raw).message_id for _position, raw in found) == ["1@x", "2@x"]
    assert {position.file.split("/")[0] for position, _raw in found} == {"new", "cur"}
    assert found[0][0].describe().startswith("file ")


def test_a_path_that_is_no_mailbox_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_text("id,received\n")
    with pytest.raises(NotMail):
        list(raw_messages(tmp_path / "plain.txt"))


def test_the_demo_texts_languages_are_detected() -> None:
    """Every demo complaint of 20 words or more is told right (the figure is measured by
    benchmarks/language_detection.py)."""
    records = json.loads((data_dir() / "demo" / "complaints.json").read_text("utf-8"))
    bodies = [(record["body"], record["language"]) for record in records if len(record["body"].split()) >= 20]
    assert len(bodies) >= 40 and {language for _body, language in bodies} == {"fi", "et", "hr", "en"}
    wrong = [
        (body[:40], language, detect_language(body)) for body, language in bodies if detect_language(body) != language
    ]
    assert wrong == []
