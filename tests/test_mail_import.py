"""`agent-console import` of mail: complaints from an mbox or a Maildir, threads joined, attachments kept, broken
messages skipped by position, nothing added twice."""

from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

import pytest

from console.mail_import import MailImporter, default_language, mail_complaint_id, summary
from console.mail_reader import Unreadable, raw_messages, read_maildir_file
from console.store import Store
from tests.conftest import run_cli
from tests.mail_samples import encoded, mail, multipart, write_maildir, write_mbox


def thread_of_three() -> list[bytes]:
    return [
        mail(
            "Hei, tilasin takin kaksi viikkoa sitten, mutta paketti ei ole vieläkään tullut perille.",
            sender=f"{encoded('Päivi Mäkelä', 'iso-8859-15')} <paivi@example.fi>",
            subject=encoded("Tilaus myöhässä", "iso-8859-15"),
            charset="iso-8859-15",
            message_id="<first@example.fi>",
        ),
        mail(
            "Lisäksi: tilausnumero on 4411.",
            sender=f"{encoded('Päivi Mäkelä', 'utf-8')} <paivi@example.fi>",
            subject=encoded("Re: Tilaus myöhässä", "utf-8"),
            message_id="<second@example.fi>",
            headers=(("In-Reply-To", "<first@example.fi>"), ("References", "<first@example.fi>")),
        ),
        mail(
            "Onko tästä mitään uutta?",
            sender="paivi@example.fi",
            subject=encoded("Re: Re: Tilaus myöhässä", "utf-8"),
            message_id="<third@example.fi>",
            headers=(("In-Reply-To", "<second@example.fi>"), ("References", "<first@example.fi> <second@example.fi>")),
        ),
    ]


def others() -> list[bytes]:
    croatian = mail(
        "Poštovani, naručeni uređaj stigao je oštećen i ne radi. Molim Vas zamjenu ili povrat novca.",
        sender=f"{encoded('Željka Čović', 'windows-1250')} <zeljka@example.hr>",
        subject=encoded("Oštećen uređaj", "windows-1250"),
        charset="windows-1250",
        message_id="<hr@example.hr>",
    )
    estonian = mail(
        "Tere! Tellisin eelmisel nädalal jope, kuid sain vale suuruse. Palun vahetage see õige vastu.",
        sender=f"{encoded('Tõnu Järv', 'windows-1257')} <tonu@example.ee>",
        subject=encoded("Vale suurus", "windows-1257"),
        charset="windows-1257",
        message_id="<et@example.ee>",
    )
    with_receipt = multipart(
        [
            b"Content-Type: text/plain; charset=utf-8\n\n"
            b"The blender I bought broke after a week; the receipt is attached.",
            b'Content-Type: application/pdf\nContent-Disposition: attachment; filename="receipt.pdf"\n'
            b"Content-Transfer-Encoding: base64\n\n" + base64.b64encode(b"%PDF-1.4 receipt bytes"),
        ],
        sender="Anna Smith <anna@example.com>",
        subject="Broken blender",
        message_id="<en@example.com>",
    )
    return [croatian, estonian, with_receipt]


@pytest.fixture
def mbox(tmp_path: Path) -> Path:
    messages = [*thread_of_three()[:1], *others(), b"this line is not mail\n", *thread_of_three()[1:]]
    return write_mbox(tmp_path / "inbox.mbox", messages)


def test_an_mbox_becomes_complaints_and_a_thread_of_three_one_complaint_with_two_follow_ups(
    cli_data_dir: Path, mbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(capsys, "import", str(mbox))
    assert status == 0
    assert out.strip() == (
        "Imported 4 new complaints from mail, 2 follow-ups joined their complaints, 0 were already present, 1 skipped."
    )
    assert "message 5 (line" in err
    store = Store(cli_data_dir)
    complaints = {complaint.message_id: complaint for complaint in store.complaints()}
    assert set(complaints) == {"first@example.fi", "hr@example.hr", "et@example.ee", "en@example.com"}
    first = complaints["first@example.fi"]
    assert first.id == mail_complaint_id("first@example.fi") and first.id.startswith("M-") and len(first.id) == 12
    assert (first.customer_name, first.customer_email, first.subject) == (
        "Päivi Mäkelä", "paivi@example.fi", "Tilaus myöhässä"
    )  # fmt: skip
    assert (first.channel, first.language) == ("email", "fi")
    follow_ups = store.customer_messages(first.id)
    assert [(message.id, message.text) for message in follow_ups] == [
        ("second@example.fi", "Lisäksi: tilausnumero on 4411."),
        ("third@example.fi", "Onko tästä mitään uutta?"),
    ]
    assert {complaints[m].language for m in ("hr@example.hr", "et@example.ee", "en@example.com")} == {"hr", "et", "en"}
    assert complaints["hr@example.hr"].customer_name == "Željka Čović"
    assert complaints["et@example.ee"].subject == "Vale suurus"


def test_the_skipped_message_is_named_by_its_number_and_the_line_of_its_from_line(
    cli_data_dir: Path, mbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = [n for n, text in enumerate(mbox.read_bytes().split(b"\n"), 1) if text.startswith(b"From ")][4]
    _status, _out, err = run_cli(capsys, "import", str(mbox))
    assert err.strip() == f"{mbox}: message 5 (line {line}): skipped: no sender address (From)"


def test_importing_the_same_mailbox_twice_adds_nothing(
    cli_data_dir: Path, mbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "import", str(mbox))
    before = Store(cli_data_dir).complaints()
    status, out, _err = run_cli(capsys, "import", str(mbox))
    assert status == 0
    assert out.startswith("Imported 0 new complaints from mail, 0 follow-ups joined their complaints, 6 were already")
    store = Store(cli_data_dir)
    assert store.complaints() == before
    assert len(store.customer_messages(mail_complaint_id("first@example.fi"))) == 2


def test_an_attachment_is_kept_in_the_desk(cli_data_dir: Path, mbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "import", str(mbox))
    store = Store(cli_data_dir)
    complaint = store.complaint(mail_complaint_id("en@example.com"))
    (attachment,) = complaint.attachments
    assert (attachment.name, attachment.content_type, attachment.size) == ("receipt.pdf", "application/pdf", 22)
    assert store.attachment_bytes(attachment) == b"%PDF-1.4 receipt bytes"


def test_a_reply_to_a_resolved_complaint_reopens_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk")
    importer = MailImporter(store, "complaint")
    first, second, third = thread_of_three()
    importer.import_messages(raw_messages(write_mbox(tmp_path / "one.mbox", [first])))
    complaint_id = mail_complaint_id("first@example.fi")
    store.set_field(complaint_id, "status", "resolved", "tester")
    result = importer.import_messages(raw_messages(write_mbox(tmp_path / "two.mbox", [second, third])))
    assert (result.added, result.joined, result.reopened) == (0, 2, (complaint_id,))
    complaint = store.complaint(complaint_id)
    assert complaint.status == "open"
    assert complaint.clock_from is not None and complaint.first_response_at is None


def test_a_follow_up_found_before_its_first_message_in_the_same_batch_still_joins_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk")
    first, second, third = thread_of_three()
    result = MailImporter(store, "complaint").import_messages(
        raw_messages(write_mbox(tmp_path / "box.mbox", [third, second, first]))
    )
    assert (result.added, result.joined) == (1, 2)


def test_a_maildir_is_imported_like_an_mbox(
    cli_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box = write_maildir(tmp_path / "Maildir", [*thread_of_three(), *others()])
    delivered = sorted(path.name for path in (box / "new").iterdir())
    status, out, _err = run_cli(capsys, "import", str(box))
    assert status == 0
    assert out.startswith("Imported 4 new complaints from mail, 2 follow-ups joined their complaints, 0 were")
    assert len(delivered) == 6 and sorted(path.name for path in (box / "new").iterdir()) == delivered
    assert not list((box / "cur").iterdir())  # the files are left where the MDA put them


def test_mail_and_a_csv_file_are_imported_apart(
    cli_data_dir: Path, mbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "shop.csv"
    other.write_text("id,received\n")
    status, _out, err = run_cli(capsys, "import", str(mbox), str(other))
    assert status == 2
    assert err.strip() == (
        f"agent-console: {other}: neither an mbox file nor a Maildir folder (import mail and JSON or CSV files apart)"
    )
    assert not Store(cli_data_dir).complaints()


def test_watch_takes_a_maildir_only(cli_data_dir: Path, mbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run_cli(capsys, "import", "--watch", str(mbox))
    assert status == 2
    assert err.strip() == "agent-console: --watch takes one Maildir folder (with cur/, new/ and tmp/)"


def test_the_default_language_is_given_as_a_default_field() -> None:
    assert default_language([]) == "en"
    assert default_language(["channel=web", "language=hr"]) == "hr"
    with pytest.raises(ValueError, match="fi, et, hr or en"):
        default_language(["language=sv"])


def test_a_short_mail_takes_the_default_language(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk")
    box = write_mbox(tmp_path / "box.mbox", [mail("Ok", subject="Re", message_id="<short@x>")])
    MailImporter(store, "complaint", default_language="et").import_messages(raw_messages(box))
    assert store.complaint(mail_complaint_id("short@x")).language == "et"


def test_more_than_twenty_skipped_messages_are_counted_not_all_listed(
    cli_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box = write_mbox(tmp_path / "junk.mbox", [b"junk %d\n" % number for number in range(25)] + [mail("fine")])
    status, out, err = run_cli(capsys, "import", str(box))
    assert status == 0
    assert "1 new complaint from mail" in out and "25 skipped." in out
    lines = err.strip().splitlines()
    assert len(lines) == 21 and lines[-1] == "… and 5 more skipped"


def test_the_summary_counts_in_words() -> None:
    from console.mail_import import MailImportResult

    assert summary(MailImportResult(1, 1, 1)) == (
        "Imported 1 new complaint from mail, 1 follow-up joined its complaint, 1 was already present, 0 skipped."
    )


def test_the_watchers_summary_says_only_what_happened() -> None:
    from console.mail_import import MailImportResult

    assert summary(MailImportResult(joined=1), zeros=False) == "1 follow-up joined its complaint."
    assert summary(MailImportResult(added=2, ours=1), zeros=False) == (
        "Imported 2 new complaints from mail. 1 reply the shop sent was left out (it is not the customer's words)."
    )


def test_a_maildir_file_that_cannot_be_read_is_skipped_by_name(tmp_path: Path) -> None:
    box = write_maildir(tmp_path / "Maildir", [mail("fine", message_id="<fine@x>")])
    planted = box / "new" / "1733.planted.host"
    planted.symlink_to(tmp_path / "elsewhere")
    unreadable = read_maildir_file(planted)
    assert unreadable == Unreadable("a link: not followed")
    store = Store(tmp_path / "desk")
    result = MailImporter(store, "complaint").import_messages(raw_messages(box))  # the link is listed, not read
    assert result.added == 1
    assert [(item.position.describe(), item.problem) for item in result.skipped] == [
        ("file new/1733.planted.host", unreadable.problem)
    ]


def test_threads_across_batches_join_their_complaints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A follow-up of a complaint stored in its own batch is stored with the next batch (or after the last)."""
    from console import mail_import

    monkeypatch.setattr(mail_import, "BATCH", 2)
    first, second, third = thread_of_three()
    store = Store(tmp_path / "desk")
    box = write_mbox(tmp_path / "box.mbox", [first, second, *others(), third])
    result = MailImporter(store, "complaint").import_messages(raw_messages(box))
    assert (result.added, result.joined, result.already_present) == (4, 2, 0)
    follow_ups = store.customer_messages(mail_complaint_id("first@example.fi"))
    assert [message.id for message in follow_ups] == ["second@example.fi", "third@example.fi"]
    again = MailImporter(store, "complaint").import_messages(raw_messages(box))
    assert (again.added, again.joined, again.already_present) == (0, 0, 6)


def test_a_reply_to_a_follow_up_held_for_the_next_batch_joins_the_same_complaint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console import mail_import

    monkeypatch.setattr(mail_import, "BATCH", 2)
    chain = [mail("Where is my parcel?", message_id="<c0@x>")]
    for number in range(1, 5):  # each answers only the one before it, as some mail programs write
        answer = (("In-Reply-To", f"<c{number - 1}@x>"),)
        chain.append(mail(f"Still waiting, day {number}.", message_id=f"<c{number}@x>", headers=answer))
    store = Store(tmp_path / "desk")
    result = MailImporter(store, "complaint").import_messages(raw_messages(write_mbox(tmp_path / "c.mbox", chain)))
    assert (result.added, result.joined) == (1, 4)
    assert [message.id for message in store.customer_messages(mail_complaint_id("c0@x"))] == [
        "c1@x", "c2@x", "c3@x", "c4@x"
    ]  # fmt: skip


def test_a_batch_ends_at_its_bytes_so_a_mailbox_of_large_mail_is_never_held_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console import mail_import

    large = [mail("The receipt, pasted in: " + "x" * 3000, message_id=f"<large{n}@x>") for n in range(6)]
    answer = mail("Any news?", message_id="<answer@x>", headers=(("In-Reply-To", "<large0@x>"),))
    monkeypatch.setattr(mail_import, "BATCH_BYTES", 7000)  # three of them reach it
    store = Store(tmp_path / "desk")
    stored: list[int] = []
    add_mail = store.add_mail

    def counted(complaints: list[object], messages: list[object], by: str = "mail") -> object:
        stored.append(len(complaints) + len(messages))
        return add_mail(complaints, messages, by)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "add_mail", counted)
    box = write_mbox(tmp_path / "large.mbox", [*large, answer])
    result = MailImporter(store, "complaint").import_messages(raw_messages(box))
    assert (result.added, result.joined) == (6, 1) and stored == [3, 3, 1]
    assert [message.id for message in store.customer_messages(mail_complaint_id("large0@x"))] == ["answer@x"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_runs_on_a_terminal_and_nothing_is_drawn_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from console import mail_import

    monkeypatch.setattr(mail_import, "PROGRESS_FROM", 3)
    box = write_mbox(tmp_path / "b.mbox", [mail(f"Text {n} of the customer", message_id=f"<{n}@x>") for n in range(4)])
    mail_import._import_path(MailImporter(Store(tmp_path / "quiet"), "complaint"), box)
    assert capsys.readouterr().err == ""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    result = mail_import._import_path(MailImporter(Store(tmp_path / "desk"), "complaint"), box)
    assert result.added == 4
    assert "Importing mail" in terminal.getvalue() and "4/4" in terminal.getvalue()
