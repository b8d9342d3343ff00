"""Issue 14's mail surface tried as an attacker would: a stranger answering another customer's mail, hostile
names and sizes, files that are not what they seem."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.mail_import import MailImporter, MailImportResult, mail_complaint_id
from console.mail_reader import raw_messages
from console.store import Store
from tests.mail_samples import mail, write_mbox


def _import(store: Store, path: Path, messages: list[bytes]) -> MailImportResult:
    return MailImporter(store, "complaint").import_messages(raw_messages(write_mbox(path, messages)))


def test_a_stranger_naming_another_customers_message_id_gets_a_complaint_of_their_own(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk")
    victim = mail("My order 4411 never came.", sender="Ana <ana@example.hr>", message_id="<ana-1@example.hr>")
    _import(store, tmp_path / "one.mbox", [victim])
    complaint_id = mail_complaint_id("ana-1@example.hr")
    store.set_field(complaint_id, "status", "resolved", "tester")
    hijack = mail(
        "Please send the refund to my account instead.",
        sender="Mallory <mallory@evil.example>",
        subject="Re: A question",
        message_id="<evil-1@evil.example>",
        headers=(("In-Reply-To", "<ana-1@example.hr>"), ("References", "<ana-1@example.hr>")),
    )
    result = _import(store, tmp_path / "two.mbox", [hijack])
    assert store.customer_messages(complaint_id) == []
    assert store.complaint(complaint_id).status == "resolved"
    own = store.complaint(mail_complaint_id("evil-1@evil.example"))
    assert (own.customer_email, own.body) == ("mallory@evil.example", "Please send the refund to my account instead.")
    assert (result.added, result.joined, result.reopened) == (1, 0, ())
    [note] = store.notes(own.id)
    assert complaint_id in note.text and "mallory@evil.example" in note.text


def test_the_customer_answering_from_the_same_address_in_other_letters_still_joins(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk")
    first = mail("My order never came.", sender="Ana <Ana.Horvat@Example.HR>", message_id="<ana-1@example.hr>")
    answer = mail(
        "Any news?",
        sender="ana.horvat@example.hr",
        message_id="<ana-2@example.hr>",
        headers=(("In-Reply-To", "<ana-1@example.hr>"),),
    )
    result = _import(store, tmp_path / "one.mbox", [first])
    result = _import(store, tmp_path / "two.mbox", [answer])
    assert [message.id for message in store.customer_messages(mail_complaint_id("ana-1@example.hr"))] == [
        "ana-2@example.hr"
    ]
    assert result.joined == 1


@pytest.mark.parametrize("batch", [1000, 1])
def test_a_stranger_in_the_same_mailbox_as_the_thread_is_not_joined_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    from console import mail_import

    monkeypatch.setattr(mail_import, "BATCH", batch)
    store = Store(tmp_path / "desk")
    first = mail("My order never came.", sender="ana@example.hr", message_id="<ana-1@example.hr>")
    hijack = mail(
        "Refund to me, please.",
        sender="mallory@evil.example",
        message_id="<evil-1@evil.example>",
        headers=(("References", "<ana-1@example.hr>"),),
    )
    _import(store, tmp_path / "one.mbox", [first, hijack])
    assert store.customer_messages(mail_complaint_id("ana-1@example.hr")) == []
    assert store.complaint(mail_complaint_id("evil-1@evil.example")).customer_email == "mallory@evil.example"


def test_a_mail_over_the_size_limit_is_skipped_unread_and_the_rest_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console import mail_reader

    monkeypatch.setattr(mail_reader, "MESSAGE_LIMIT", 4000)
    big = mail("x" * 5000, message_id="<big@x>")
    small = mail("A small question.", message_id="<small@x>")
    store = Store(tmp_path / "desk")
    result = _import(store, tmp_path / "box.mbox", [small, big, small.replace(b"<small@x>", b"<small2@x>")])
    assert result.added == 2
    [skipped] = result.skipped
    assert skipped.position.number == 2 and "too large" in skipped.problem and "4 kB" in skipped.problem


def test_a_maildir_file_over_the_size_limit_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from console import mail_reader
    from console.mail_reader import Unreadable, read_maildir_file

    monkeypatch.setattr(mail_reader, "MESSAGE_LIMIT", 4000)
    path = tmp_path / "big"
    path.write_bytes(mail("x" * 5000))
    found = read_maildir_file(path)
    assert isinstance(found, Unreadable) and "too large" in found.problem


def test_a_fifo_swapped_into_a_maildir_is_skipped_without_waiting(tmp_path: Path) -> None:
    import os

    from console.mail_reader import Unreadable, read_maildir_file

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    found = read_maildir_file(fifo)  # as if put there after the folder was listed
    assert isinstance(found, Unreadable) and "not a regular file" in found.problem


def test_a_mail_with_more_files_than_the_limit_is_skipped_by_its_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    from console import mail_reader
    from tests.mail_samples import multipart

    monkeypatch.setattr(mail_reader, "MAX_ATTACHMENTS", 5)
    files = [
        f'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="f{number}.bin"\n'
        f"Content-Transfer-Encoding: base64\n\n{base64.b64encode(str(number).encode()).decode()}".encode()
        for number in range(6)
    ]
    swarm = multipart([b"Content-Type: text/plain\n\nSee the files.", *files], message_id="<swarm@x>")
    store = Store(tmp_path / "desk")
    result = _import(store, tmp_path / "box.mbox", [swarm, mail("A question.", message_id="<q@x>")])
    assert result.added == 1
    [skipped] = result.skipped
    assert skipped.position.number == 1 and "6 files" in skipped.problem and "5" in skipped.problem
    assert not (store.directory / "attachments").exists() or not any((store.directory / "attachments").iterdir())


def test_a_link_planted_in_a_maildir_is_named_and_never_followed(tmp_path: Path) -> None:
    import os

    from tests.mail_samples import write_maildir

    secret = tmp_path / "secret-mail"
    secret.write_bytes(mail("The owner's private mail.", message_id="<private@x>"))
    box = write_maildir(tmp_path / "Maildir", [mail("A question.", message_id="<q@x>")])
    os.symlink(secret, box / "new" / "1700000000.planted.host")
    store = Store(tmp_path / "desk")
    result = MailImporter(store, "complaint").import_messages(raw_messages(box))
    assert result.added == 1
    [skipped] = result.skipped
    assert skipped.position.file == "new/1700000000.planted.host" and "link" in skipped.problem
    assert [complaint.body for complaint in store.complaints()] == ["A question."]


@pytest.mark.parametrize("date", ["Fri, 31 Dec 9999 23:59:59 -2359", "Sat, 01 Jan 2650 10:00:00 +0000"])
def test_a_date_out_of_range_or_far_ahead_counts_as_received_at_the_import(tmp_path: Path, date: str) -> None:
    from datetime import UTC, datetime, timedelta

    dated = mail("Dated oddly.", message_id="<odd@x>").replace(b"Date: ", f"Date: {date}\nX-Was: ".encode(), 1)
    store = Store(tmp_path / "desk")
    result = _import(store, tmp_path / "box.mbox", [dated, mail("A question.", message_id="<q@x>")])
    assert (result.added, result.skipped) == (2, ())
    received = store.complaint(mail_complaint_id("odd@x")).received
    assert abs(received - datetime.now(UTC)) < timedelta(hours=1)


def test_a_forged_digest_never_reads_outside_the_attachments_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record a neighbour edited (or a bug wrote) names a path instead of a digest."""
    from console.store import Attachment, StoreCorrupt
    from console.store import mail as store_mail

    store = Store(tmp_path / "desk")
    store.keep_attachment(b"kept")
    read: list[Path] = []
    real = store_mail.read_regular
    monkeypatch.setattr(store_mail, "read_regular", lambda path: read.append(Path(path)) or real(path))
    with pytest.raises(StoreCorrupt, match="not a SHA-256 digest"):
        store.attachment_bytes(Attachment("x", "text/plain", 4, "../../../../etc/passwd"))
    assert read == []


def test_a_strangers_second_mail_answering_their_first_does_not_join_the_complaint_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console import mail_import

    monkeypatch.setattr(mail_import, "BATCH", 2)
    store = Store(tmp_path / "desk")
    first = mail("My order never came.", sender="ana@example.hr", message_id="<ana-1@example.hr>")
    hijack = mail("Refund to me.", sender="mallory@evil.example", message_id="<evil-1@evil.example>",
                  headers=(("In-Reply-To", "<ana-1@example.hr>"),))  # fmt: skip
    again = mail("Did you get it?", sender="mallory@evil.example", message_id="<evil-2@evil.example>",
                 headers=(("In-Reply-To", "<evil-1@evil.example>"),))  # fmt: skip
    _import(store, tmp_path / "box.mbox", [first, hijack, again])
    assert store.customer_messages(mail_complaint_id("ana-1@example.hr")) == []


def test_many_strangers_kept_apart_are_noted_in_one_change_of_the_desk(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk")
    _import(store, tmp_path / "one.mbox", [mail("My order never came.", sender="ana@example.hr", message_id="<a@x>")])
    changes = tmp_path / "desk" / ".changes"
    before = changes.stat().st_size
    strangers = [
        mail(
            f"Refund me {n}.", sender=f"m{n}@evil.example", message_id=f"<e{n}@x>", headers=(("In-Reply-To", "<a@x>"),)
        )
        for n in range(30)
    ]
    result = _import(store, tmp_path / "two.mbox", strangers)
    assert result.added == 30 and result.joined == 0
    assert changes.stat().st_size - before <= 2  # the mails, then their notes: open desks reload twice, not 31 times
    for n in range(30):
        [note] = store.notes(mail_complaint_id(f"e{n}@x"))
        assert f"m{n}@evil.example" in note.text and mail_complaint_id("a@x") in note.text
        assert note.author == "mail"
