"""`export --format mbox`: each conversation as mail, read back by Python's mailbox and by the mail import."""

import mailbox
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest

from console.mbox_export import export_mbox
from console.store import Attachment, CustomerMessage, Store
from tests.conftest import make_complaint, run_cli

SHOP = Address("Shop", "help", "shop.example")
RECEIVED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def desk(tmp_path: Path) -> Store:
    """A mail complaint with a file, a reply sent, a follow-up with a file, a reply not sent; a complaint
    from a CSV whose body has a line starting "From "."""
    store = Store(tmp_path / "desk")
    data = b"%PDF-1.4 receipt \x00\xff"
    receipt = Attachment("kuitti.pdf", "application/pdf", len(data), store.keep_attachment(data))
    mail = make_complaint(1, id="M-1", message_id="first@customer.example", received=RECEIVED, language="fi",
                          subject="Rikki mennyt kuppi", body="Kuppi tuli rikki.", attachments=(receipt,))  # fmt: skip
    store.add_mail([mail], [])
    sent = store.add_reply("M-1", "Lähetättekö kuitin?", "fi", "ana", at=RECEIVED + timedelta(hours=1))
    claim = store.begin_sending(sent.id, "M-1", f"{sent.id}@shop.example", "ana")
    store.finish_sending(claim, "smtp mail.shop.example:587", RECEIVED + timedelta(hours=1, minutes=2))
    follow = CustomerMessage("second@customer.example", "M-1", "Tässä kuitti.", RECEIVED + timedelta(hours=2),
                             "Re: Rikki mennyt kuppi", (receipt,))  # fmt: skip
    store.add_mail([], [follow])
    store.add_reply("M-1", "Kiitos, hyvitys on matkalla.", "fi", "mari", at=RECEIVED + timedelta(hours=3))
    body = "From here on the parcel was wet.\n>From the box too.\nThat's all."
    store.add_complaints([make_complaint(2, received=RECEIVED + timedelta(days=1), body=body, language="en")])
    return store


def read_back(store: Store, path: Path) -> list[mailbox.mboxMessage]:
    path.write_text(export_mbox(store, SHOP), encoding="utf-8")
    return list(mailbox.mbox(path, create=False))


def test_each_conversation_is_threaded_mail_with_the_stored_and_sent_message_ids(desk: Store, tmp_path: Path) -> None:
    mails = read_back(desk, tmp_path / "out.mbox")
    assert [m["Message-ID"] for m in mails[:4]] == [
        "<first@customer.example>", f"<{desk.deliveries('M-1')[0].message_id}>", "<second@customer.example>",
        f"<{desk.replies('M-1')[1].id}@shop.example>",
    ]  # fmt: skip
    first, answer, follow, second_answer, other = mails
    assert (first["From"], first["To"], first["Subject"]) == (
        "Customer 1 <c1@example.com>",
        "Shop <help@shop.example>",
        "Rikki mennyt kuppi",
    )
    assert first["Date"] == "Mon, 30 Nov 2026 08:00:00 +0000" and first["Content-Language"] == "fi"
    assert first.get_from().startswith("c1@example.com Mon Nov 30 08:00:00 2026")
    assert (answer["From"], answer["To"]) == ("ana <help@shop.example>", "Customer 1 <c1@example.com>")
    assert answer["Subject"] == "Re: Rikki mennyt kuppi" and answer["Date"] == "Mon, 30 Nov 2026 09:02:00 +0000"
    assert answer["In-Reply-To"] == "<first@customer.example>" and answer["References"] == "<first@customer.example>"
    assert answer["X-Agent-Console-Reply"] and first["X-Agent-Console-Reply"] is None
    assert follow["In-Reply-To"] == answer["Message-ID"] and follow["From"] == first["From"]
    assert second_answer["In-Reply-To"] == "<second@customer.example>"
    assert second_answer["References"].split() == [m["Message-ID"] for m in (first, answer, follow)]
    assert other["Message-ID"] == "<T-2.complaint@agent-console.invalid>" and other["In-Reply-To"] is None


def test_texts_and_files_read_back_exactly(desk: Store, tmp_path: Path) -> None:
    mails = [message_from(message) for message in read_back(desk, tmp_path / "out.mbox")]
    texts = [m.get_body(("plain",)).get_content() for m in mails]  # type: ignore[union-attr]
    assert texts == [
        "Kuppi tuli rikki.\n",
        "Lähetättekö kuitin?\n",
        "Tässä kuitti.\n",
        "Kiitos, hyvitys on matkalla.\n",
        "From here on the parcel was wet.\n>From the box too.\nThat's all.\n",
    ]
    files = [[(part.get_filename(), part.get_content()) for part in m.iter_attachments()] for m in mails]
    assert files[0] == files[2] == [("kuitti.pdf", b"%PDF-1.4 receipt \x00\xff")]
    assert files[1] == files[3] == files[4] == []
    assert "\nFrom here" not in (tmp_path / "out.mbox").read_text("utf-8")  # only the separators start "From "


def message_from(message: mailbox.mboxMessage) -> EmailMessage:
    from email import message_from_bytes, policy

    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_the_same_desk_gives_the_same_mbox(desk: Store) -> None:
    assert export_mbox(desk, SHOP) == export_mbox(desk, SHOP)


def test_the_mbox_imports_into_an_empty_desk_as_the_same_complaints_and_customer_texts(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _out, err = run_cli(capsys, "--data-dir", str(desk.directory), "export", "--format", "mbox", "-o",
                                str(tmp_path / "out.mbox"))  # fmt: skip
    assert (status, err) == (0, "")
    again = tmp_path / "again"
    status, out, err = run_cli(capsys, "--data-dir", str(again), "import", str(tmp_path / "out.mbox"))
    assert status == 0 and "Imported 2 new complaints from mail" in out, err
    restored = Store(again)

    def seen(complaint_id: str) -> tuple[object, ...]:
        c = (desk if complaint_id in ("M-1", "T-2") else restored).complaint(complaint_id)
        return (c.received, c.customer_name, c.customer_email, c.subject, c.body.rstrip("\n"), c.language)

    by_subject = {c.subject: c for c in restored.complaints()}
    assert seen(by_subject["Rikki mennyt kuppi"].id) == seen("M-1")
    assert seen(by_subject["Subject 2"].id) == seen("T-2")
    mail = by_subject["Rikki mennyt kuppi"]
    assert mail.message_id == "first@customer.example"
    assert [restored.attachment_bytes(a) for a in mail.attachments] == [b"%PDF-1.4 receipt \x00\xff"]
    texts = [m.text.rstrip("\n") for m in restored.customer_messages(mail.id)]
    assert "Tässä kuitti." in texts


def test_the_shops_replies_in_an_mbox_are_not_taken_for_the_customers(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "--data-dir", str(desk.directory), "export", "--format", "mbox", "-o", str(tmp_path / "out.mbox"))
    status, out, _err = run_cli(capsys, "--data-dir", str(tmp_path / "again"), "import", str(tmp_path / "out.mbox"))
    restored = Store(tmp_path / "again")
    mail = next(c for c in restored.complaints() if c.message_id == "first@customer.example")
    assert [m.text.rstrip("\n") for m in restored.customer_messages(mail.id)] == ["Tässä kuitti."]
    assert status == 0 and "2 replies the shop sent were left out" in out
    assert len(restored.complaints()) == 2


def shop_reply_mbox(path: Path, sender: str, marked: bool) -> Path:
    """A customer's mail and an answer to it From `sender`, with or without the export's mark."""
    first = EmailMessage()
    first["From"], first["To"], first["Subject"] = "Ana <ana@customer.example>", str(SHOP), "Slomljena šalica"
    first["Message-ID"], first["Date"] = "<one@customer.example>", "Mon, 30 Nov 2026 08:00:00 +0000"
    first.set_content("Šalica je stigla slomljena.")
    answer = EmailMessage()
    answer["From"], answer["To"], answer["Subject"] = sender, "ana@customer.example", "Re: Slomljena šalica"
    answer["Message-ID"], answer["Date"] = "<two@shop.example>", "Mon, 30 Nov 2026 09:00:00 +0000"
    answer["In-Reply-To"] = answer["References"] = "<one@customer.example>"
    if marked:
        answer["X-Agent-Console-Reply"] = "R-1"
    answer.set_content("Šaljemo novu šalicu.")
    box = mailbox.mbox(path)
    box.add(first)
    box.add(answer)
    box.close()
    return path


@pytest.mark.parametrize(
    ("sender", "marked", "kept"),
    [
        ("Shop <help@shop.example>", True, "left out"),  # ours: left out
        ("Ana <ana@customer.example>", True, "follow-up"),  # the mark alone is forgeable: the customer's answer
        # From the shop unmarked (a forward, say): not the shop's reply, and not from the customer either, so a
        # complaint of its own (mail_import: only the customer's own address joins a thread)
        ("Shop <HELP@shop.example>", False, "complaint"),
    ],
)
def test_only_marked_mail_from_the_shops_address_is_taken_for_its_own_reply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sender: str, marked: bool, kept: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[mail]\nfrom = "Shop <help@shop.example>"\nsendmail = "true"\n', encoding="utf-8")
    path = shop_reply_mbox(tmp_path / "in.mbox", sender, marked)
    status, out, err = run_cli(capsys, "--config", str(config), "--data-dir", str(tmp_path / "d"), "import", str(path))
    assert status == 0, err
    store = Store(tmp_path / "d")
    complaints = sorted(store.complaints(), key=lambda complaint: complaint.received)
    first = complaints[0]
    answers = [m.text.rstrip("\n") for m in store.customer_messages(first.id)]
    assert answers == (["Šaljemo novu šalicu."] if kept == "follow-up" else [])
    assert [c.body.rstrip("\n") for c in complaints[1:]] == (["Šaljemo novu šalicu."] if kept == "complaint" else [])
    assert ("1 reply the shop sent was left out" in out) == (kept == "left out")
