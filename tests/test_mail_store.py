"""Mail at the desk (console/store/mail.py): complaints keyed by their Message-ID, so the same mail twice adds
nothing; a customer's later message joins its complaint's conversation, reopens it and restarts the
first-response clock; the files that came with mail kept once per content, never through a link, checked
when read; all of it checked, backed up and restored. A schema-4 desk (before mail) is brought to schema 5."""

from __future__ import annotations

import io
import json
import os
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.store import Attachment, Complaint, CustomerMessage, Store, StoreCorrupt, StoreUnsafe, UnknownComplaint
from console.store.integrity import backup, check, restore
from console.store.mail import digest_of, index_message_ids
from console.store.tinystore import SCHEMA_VERSION
from console.views import overdue_rows
from tests.conftest import make_complaint

SCHEMA_4_DESK = Path(__file__).parent / "data" / "desk-v4.tar.gz"
NOW = datetime.now(UTC).replace(microsecond=0)


def mail_complaint(number: int, **values: object) -> Complaint:
    return make_complaint(number, **{"id": f"M-{number}", "message_id": f"m{number}@shop.example", **values})


def follow_up(number: int, complaint_id: str, at: datetime, **values: object) -> CustomerMessage:
    return CustomerMessage(f"f{number}@customer.example", complaint_id, f"Any news? ({number})", at, **values)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "desk")


def test_a_mail_stored_twice_is_added_once(store: Store) -> None:
    first = store.add_mail([mail_complaint(1), mail_complaint(2)], [])
    assert (first.added, first.joined, first.already_present) == (2, 0, 0)
    stamp = store.stamp()
    again = store.add_mail([mail_complaint(1), mail_complaint(2)], [])
    assert (again.added, again.joined, again.already_present) == (0, 0, 2)
    assert store.stamp() == stamp  # nothing written, nothing announced
    assert sorted(c.id for c in store.complaints()) == ["M-1", "M-2"]
    assert store.complaint("M-1").message_id == "m1@shop.example"
    assert check(store).ok


def test_the_message_ids_the_desk_knows_name_their_complaints(store: Store) -> None:
    store.add_mail([mail_complaint(1)], [follow_up(1, "M-1", NOW)])
    assert store.known_message_ids(["m1@shop.example", "f1@customer.example", "other@x"]) == {
        "m1@shop.example": "M-1",
        "f1@customer.example": "M-1",
    }
    assert Store(store.directory).known_message_ids(["m1@shop.example"]) == {"m1@shop.example": "M-1"}


def test_a_follow_up_joins_its_complaint_and_reopens_it_once(store: Store) -> None:
    store.add_mail([mail_complaint(1)], [])
    store.add_reply("M-1", "We sent a new one.", "en", "anna", at=NOW - timedelta(hours=5))
    store.set_field("M-1", "status", "resolved", "anna")
    message = follow_up(1, "M-1", NOW - timedelta(hours=1), subject="Re: Subject 1")
    result = store.add_mail([], [message], by="importer")
    assert (result.added, result.joined, result.already_present, result.reopened) == (0, 1, 0, ("M-1",))
    complaint = store.complaint("M-1")
    assert (complaint.status, complaint.clock_from, complaint.first_response_at) == (
        "open", message.at, None)  # fmt: skip
    assert store.customer_messages("M-1") == [message]
    last = store.history("M-1")[-1]
    assert (last.field, last.old, last.new, last.by) == ("status", "resolved", "open", "importer")
    again = store.add_mail([], [message])
    assert (again.joined, again.already_present, again.reopened) == (0, 1, ())
    assert len(store.customer_messages("M-1")) == 1
    assert store.customer_messages_by_complaint() == {"M-1": [message]}
    assert check(store).ok


def test_a_thread_arriving_in_one_batch_is_one_complaint_with_its_follow_ups(store: Store) -> None:
    later = [follow_up(2, "M-1", NOW - timedelta(hours=1)), follow_up(1, "M-1", NOW - timedelta(hours=2))]
    result = store.add_mail([mail_complaint(1)], later)
    assert (result.added, result.joined, result.reopened) == (1, 2, ())
    assert [m.id for m in store.customer_messages("M-1")] == ["f1@customer.example", "f2@customer.example"]
    assert store.complaint("M-1").clock_from is None  # a first reply is still owed from when it came


def test_an_old_mail_answered_since_joins_without_reopening(store: Store) -> None:
    store.add_mail([mail_complaint(1)], [])
    answered = NOW - timedelta(hours=1)
    store.add_reply("M-1", "Done.", "en", "anna", at=answered)
    store.set_field("M-1", "status", "resolved", "anna")
    result = store.add_mail([], [follow_up(1, "M-1", answered - timedelta(minutes=5))])
    assert (result.joined, result.reopened) == (1, ())
    complaint = store.complaint("M-1")
    assert (complaint.status, complaint.first_response_at, complaint.clock_from) == ("resolved", answered, None)


def test_a_follow_up_to_an_unknown_complaint_writes_nothing(store: Store) -> None:
    with pytest.raises(UnknownComplaint):
        store.add_mail([mail_complaint(1)], [follow_up(1, "M-9", NOW)])
    assert store.complaints() == [] and store.known_message_ids(["m1@shop.example"]) == {}


def test_an_id_taken_by_another_mail_gets_a_suffix_never_a_merge(store: Store) -> None:
    store.add_complaints([make_complaint(1, id="M-1")])  # came another way, same id
    store.add_mail([mail_complaint(1)], [])
    clash = mail_complaint(1, message_id="other@shop.example", subject="Another mail")
    result = store.add_mail([clash, clash._replace(message_id="third@shop.example")], [])
    assert result.added == 2
    assert {c.id: c.message_id for c in store.complaints()} == {
        "M-1": "",
        "M-1-2": "m1@shop.example",
        "M-1-3": "other@shop.example",
        "M-1-4": "third@shop.example",
    }
    assert store.known_message_ids(["other@shop.example"]) == {"other@shop.example": "M-1-3"}


def test_the_clock_restarts_from_a_follow_up_and_a_reply_stops_it(store: Store) -> None:
    received = NOW - timedelta(days=3)
    store.add_mail([mail_complaint(1, received=received)], [])
    store.add_reply("M-1", "Sorted.", "en", "anna", at=received + timedelta(hours=1))
    store.set_field("M-1", "status", "resolved", "anna")
    assert overdue_rows(store.inbox(), NOW) == set()
    arrived = NOW - timedelta(hours=2)
    store.add_mail([], [follow_up(1, "M-1", arrived)])
    index = store.inbox()
    row = index.ids.index("M-1")
    assert index.summary(row).clock_start == arrived.isoformat()
    assert overdue_rows(index, arrived + timedelta(hours=23)) == set()  # normal target: 24 h from the follow-up
    assert overdue_rows(index, arrived + timedelta(hours=25)) == {row}
    store.add_reply("M-1", "Looking again.", "en", "anna", at=NOW)
    assert overdue_rows(store.inbox(), arrived + timedelta(hours=25)) == set()
    assert store.complaint("M-1").first_response_at == NOW


def test_an_attachment_is_kept_once_and_read_back_identical(store: Store) -> None:
    data = bytes(range(256)) * 40 + b"\x00\r\n"
    digest = store.keep_attachment(data)
    assert digest == digest_of(data) and store.keep_attachment(data) == digest
    attachment = Attachment("invoice.pdf", "application/pdf", len(data), digest)
    store.add_mail([mail_complaint(1, attachments=(attachment,))], [])
    again = Store(store.directory)
    assert again.complaint("M-1").attachments == (attachment,)
    assert again.attachment_bytes(attachment) == data
    assert len(list((store.directory / "attachments").rglob("*"))) == 2  # one folder, one file
    report = check(store)
    assert report.ok and report.attachments == 1


def test_a_link_planted_at_an_attachment_path_is_refused(store: Store, tmp_path: Path) -> None:
    data = b"%PDF-1.4 not really"
    digest = digest_of(data)
    secret = tmp_path / "secret"
    secret.write_bytes(b"the agent's own file")
    folder = store.directory / "attachments" / digest[:2]
    folder.mkdir(parents=True)
    (folder / digest).symlink_to(secret)
    with pytest.raises(StoreUnsafe):
        store.keep_attachment(data)
    with pytest.raises(StoreUnsafe):
        store.attachment_bytes(Attachment("a.pdf", "application/pdf", len(data), digest))
    assert secret.read_bytes() == b"the agent's own file"
    assert any("symbolic link" in problem for problem in check(store).problems)


def test_a_link_planted_for_an_attachments_folder_is_never_followed(store: Store, tmp_path: Path) -> None:
    data = b"bytes"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (store.directory / "attachments").mkdir()
    (store.directory / "attachments" / digest_of(data)[:2]).symlink_to(elsewhere)
    with pytest.raises(StoreUnsafe):
        store.keep_attachment(data)
    assert list(elsewhere.iterdir()) == []


def test_an_attachment_whose_bytes_changed_is_damage(store: Store) -> None:
    data = b"original bytes"
    attachment = Attachment("note.txt", "text/plain", len(data), store.keep_attachment(data))
    store.add_mail([mail_complaint(1, attachments=(attachment,))], [])
    path = store.directory / "attachments" / attachment.digest[:2] / attachment.digest
    path.write_bytes(b"changed bytes!")
    with pytest.raises(StoreCorrupt, match="do not match"):
        store.attachment_bytes(attachment)
    assert any("damaged" in problem for problem in check(store).problems)
    path.unlink()
    with pytest.raises(StoreCorrupt, match="missing"):
        store.attachment_bytes(attachment)
    assert any("is missing" in problem for problem in check(store).problems)


def test_mail_is_backed_up_and_restored_and_a_tampered_attachment_refused(store: Store, tmp_path: Path) -> None:
    data = b"photo of the broken lamp"
    attachment = Attachment("lamp.jpg", "image/jpeg", len(data), store.keep_attachment(data))
    message = follow_up(1, "M-1", NOW, attachments=(attachment,))
    store.add_mail([mail_complaint(1)], [message])
    archive = tmp_path / "backup.tar.gz"
    backup(store, archive)
    report = restore(archive, tmp_path / "restored")
    assert (report.complaints, report.customer_messages, report.attachments) == (1, 1, 1)
    restored = Store(tmp_path / "restored")
    assert restored.customer_messages("M-1") == [message]
    assert restored.attachment_bytes(attachment) == data
    assert restored.known_message_ids(["m1@shop.example"]) == {"m1@shop.example": "M-1"}

    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source:
            content = source.extractfile(member)
            assert content is not None
            payload = content.read()
            if member.name.startswith("attachments/"):
                payload = b"X" * len(payload)
            target.addfile(member, io.BytesIO(payload))
    with pytest.raises(StoreCorrupt, match="damaged"):
        restore(tampered, tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_a_backup_member_under_attachments_not_named_by_its_digest_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "odd.tar.gz"
    with tarfile.open(archive, "w:gz") as target:
        for name, payload in (("store.json", b'{"meta":{"1":{"schema":5}}}'), ("attachments/ab/cd", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            target.addfile(info, io.BytesIO(payload))
    with pytest.raises(StoreCorrupt, match="no file of a desk"):
        restore(archive, tmp_path / "restored")


@pytest.fixture
def schema_4_desk(tmp_path: Path) -> Path:
    """Written by the release before mail (schema 4): V-1 answered and resolved, V-2 waiting, V-3 open."""
    with tarfile.open(SCHEMA_4_DESK) as archive:
        archive.extractall(tmp_path, filter="data")
    return tmp_path / "desk4"


def test_a_schema_4_desk_reaches_schema_5_and_takes_mail(schema_4_desk: Path) -> None:
    assert "clock_from" not in json.loads((schema_4_desk / "shards" / "00000.inbox.json").read_text("utf-8"))
    store = Store(schema_4_desk)
    meta = json.loads((schema_4_desk / "store.json").read_text("utf-8"))["meta"]["1"]
    assert (meta["schema"], meta.get("migrating")) == (SCHEMA_VERSION, False) and SCHEMA_VERSION == 5
    assert json.loads((schema_4_desk / "shards" / "00000.inbox.json").read_text("utf-8"))["clock_from"] == [""] * 3
    assert [r.text for r in store.replies("V-1")] == ["Pahoittelemme."]
    assert [n.text for n in store.notes("V-1")] == ["Soitin asiakkaalle."]
    assert (store.complaint("V-1").message_id, store.complaint("V-1").attachments) == ("", ())
    result = store.add_mail([], [follow_up(1, "V-1", NOW), follow_up(2, "V-2", NOW)])
    assert result.reopened == ("V-1", "V-2")
    assert Store(schema_4_desk).complaint("V-2").status == "open"
    assert check(store).ok


def test_an_import_killed_after_its_shards_is_indexed_on_the_next_change(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.store.transaction import Transaction

    real_flush = Transaction.flush

    def killed_before_the_index(self: Transaction, which=lambda _path: True, journal: bool = True) -> bool:  # type: ignore[no-untyped-def]
        if not journal:  # the import's own flush: everything but the index and the routes gets written
            real_flush(self, lambda path: which(path) and path.parent.name not in ("mailids", "routes"), journal)
            raise KeyboardInterrupt
        return real_flush(self, which, journal)

    monkeypatch.setattr(Transaction, "flush", killed_before_the_index)
    with pytest.raises(KeyboardInterrupt):
        store.add_mail([mail_complaint(1)], [])
    monkeypatch.undo()
    again = Store(store.directory)
    assert again.add_mail([mail_complaint(1)], []).already_present == 1  # the next change completed it
    assert again.known_message_ids(["m1@shop.example"]) == {"m1@shop.example": "M-1"}
    assert check(again).ok


def test_check_names_an_index_entry_of_no_complaint(store: Store) -> None:
    store.add_mail([mail_complaint(1)], [])
    [path] = (store.directory / "mailids").iterdir()
    data = json.loads(path.read_text("utf-8"))
    data["ids"]["1"]["complaint"] = "M-404"
    path.write_text(json.dumps(data), "utf-8")
    assert any("'M-404', which is not here" in problem for problem in check(store).problems)
    os.unlink(path)
    assert check(store).ok


def test_a_sent_replys_message_id_indexed_in_its_transaction_is_known(store: Store) -> None:
    store.add_mail([mail_complaint(1)], [])
    with store.transaction() as transaction:  # as finish_sending does, beside its delivery
        index_message_ids(transaction, {"reply-1@shop.example": "M-1", "m1@shop.example": "M-9"})
    assert store.known_message_ids(["reply-1@shop.example", "m1@shop.example"]) == {
        "reply-1@shop.example": "M-1",
        "m1@shop.example": "M-1",  # a known id keeps its complaint
    }
    answer = follow_up(1, "M-1", NOW)
    assert store.add_mail([], [answer]).joined == 1 and check(store).ok
