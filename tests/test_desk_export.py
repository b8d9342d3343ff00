"""The lossless export (`export --format json`) and importing it: the same desk again, byte for byte."""

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from console.desk_export import LISTS
from console.record_json import from_plain, to_plain
from console.store import Attachment, Change, Complaint, CustomerMessage, Note, Reply, Store
from console.store.deliveries import ReplyAlreadySent
from tests.conftest import make_complaint, run_cli


@pytest.fixture
def lived_in(tmp_path: Path) -> Store:
    """A desk with ticks, notes, replies, history, an assignee, a switched playbook and hostile text."""
    store = Store(tmp_path / "desk")
    store.add_complaints(
        [make_complaint(1, playbook="cancellation"), make_complaint(2, kind="upset", playbook="upset"),
         make_complaint(3, playbook="cancellation", body="=cmd|' /C calc'!A0\nline two\u2028\x1b]0;title\x07")],
        [Note("T-1", "mari", datetime(2026, 11, 2, 9, 0, tzinfo=UTC), "called, no answer", "n-1")],
    )  # fmt: skip
    store.set_step("T-1", "cancellation", "apologise", True, "ana")
    store.set_field("T-1", "assignee", "ana", "mari")
    store.set_field("T-2", "status", "waiting", "ivo")
    store.set_field("T-2", "playbook", "complaint", "ivo")
    store.add_note("T-2", "ivo", "asked for a photo \x1b[2J")
    store.add_reply("T-1", "Hvala na strpljenju.", "hr", "ana")
    store.add_reply("T-1", "Paketti lähti tänään.", "fi", "mari")
    photo, receipt = b"\x89PNG\r\n\x1a\n broken cup", b"%PDF-1.4 receipt"
    files = [
        Attachment(name, kind, len(data), store.keep_attachment(data))
        for name, kind, data in (("cup.png", "image/png", photo), ("receipt.pdf", "application/pdf", receipt))
    ]
    store.add_mail([make_complaint(4, id="M-4", message_id="m4@customer.example", attachments=(files[0],))], [])
    asked = store.add_reply("M-4", "Please send the receipt.", "en", "ana")
    claim = store.begin_sending(asked.id, "M-4", f"{asked.id}@shop.example", "ana")
    store.finish_sending(claim, "smtp mail.shop.example:587", datetime.now(UTC))
    store.add_mail([], [CustomerMessage("f4@customer.example", "M-4", "Here it is.", datetime.now(UTC), "Re: x",
                                        (files[1], files[0]))])  # fmt: skip
    return store


def export(capsys: pytest.CaptureFixture[str], desk: Path, target: Path) -> bytes:
    status, _out, err = run_cli(capsys, "--data-dir", str(desk), "export", "--format", "json", "-o", str(target))
    assert (status, err) == (0, "")
    return target.read_bytes()


def test_export_then_import_into_an_empty_desk_then_export_gives_the_same_document(
    lived_in: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = export(capsys, lived_in.directory, tmp_path / "first.json")
    again = tmp_path / "again"
    status, out, err = run_cli(capsys, "--data-dir", str(again), "import", str(tmp_path / "first.json"))
    assert (status, err) == (0, "")
    assert out == "Restored 4 complaints with 2 notes, 3 replies and 4 history entries.\n"
    assert export(capsys, again, tmp_path / "second.json") == first
    restored = Store(again)
    assert restored.complaints() == lived_in.complaints()  # ticks with by/at, assignee, first response: as they were
    for complaint_id in ("T-1", "T-2", "T-3", "M-4"):
        assert restored.notes(complaint_id) == lived_in.notes(complaint_id)
        assert restored.replies(complaint_id) == lived_in.replies(complaint_id)
        assert restored.history(complaint_id) == lived_in.history(complaint_id)
        assert restored.customer_messages(complaint_id) == lived_in.customer_messages(complaint_id)
        assert restored.deliveries(complaint_id) == lived_in.deliveries(complaint_id)
    assert len(restored.deliveries("M-4")) == 1
    mail = restored.complaint("M-4")
    assert mail.clock_from is not None and mail.status == "open"  # the follow-up restarted the clock: kept
    assert [restored.attachment_bytes(a) for a in restored.customer_messages("M-4")[0].attachments] == [
        b"%PDF-1.4 receipt",
        b"\x89PNG\r\n\x1a\n broken cup",
    ]
    sent = restored.deliveries("M-4")[0].message_id
    assert restored.known_message_ids(["m4@customer.example", "f4@customer.example", sent]) == {
        "m4@customer.example": "M-4", "f4@customer.example": "M-4", sent: "M-4"}  # fmt: skip
    with pytest.raises(ReplyAlreadySent):  # sent before the export: never sent again after it
        restored.begin_sending(restored.deliveries("M-4")[0].reply_id, "M-4", sent, "ana")
    assert run_cli(capsys, "--data-dir", str(again), "check")[0] == 0


def test_the_document_carries_every_field_of_every_record(
    lived_in: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(export(capsys, lived_in.directory, tmp_path / "out.json"))
    assert (document["format"], document["version"]) == ("agent-console", 1)
    assert not set(Complaint._fields) & set(LISTS)
    by_id = {c["id"]: c for c in document["complaints"]}
    assert list(by_id) == ["M-4", "T-1", "T-2", "T-3"]  # by id: the same desk gives the same document
    one = by_id["T-1"]
    assert list(one) == [*Complaint._fields, *LISTS]
    assert one["ticks"]["cancellation/apologise"]["by"] == "ana"
    assert one["assignee"] == "ana" and one["first_response_at"] == one["replies"][0]["at"]
    assert [list(note) for note in one["notes"]] == [list(Note._fields)]
    assert [list(reply) for reply in one["replies"]] == [list(Reply._fields)] * 2
    assert {tuple(change) for change in one["history"]} == {Change._fields}
    changes = [(c["field"], c["new"]) for c in by_id["T-2"]["history"]]
    assert changes == [("status", "waiting"), ("playbook", "complaint")]
    assert list(by_id["M-4"]["customer_messages"][0]) == list(CustomerMessage._fields)
    assert [a["name"] for a in by_id["M-4"]["customer_messages"][0]["attachments"]] == ["receipt.pdf", "cup.png"]
    assert len(document["attachments"]) == 2  # each file once, by its digest
    assert by_id["T-3"]["body"].startswith("=cmd|")  # JSON keeps it as it came; CSV is what neutralises
    text = (tmp_path / "out.json").read_text("utf-8")
    assert "\x1b" not in text and "\u2028" not in text  # escaped in the file, the same text once read


def test_exporting_twice_gives_the_same_bytes(
    lived_in: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = export(capsys, lived_in.directory, tmp_path / "a.json")
    assert export(capsys, lived_in.directory, tmp_path / "b.json") == first


class LaterRecord(NamedTuple):
    """A record as a later version might have it: fields of every kind the records use."""

    id: str
    at: datetime
    files: tuple[Attachment, ...] = ()
    counts: dict[str, int] = {}
    since: datetime | None = None


def test_a_field_added_to_a_record_later_is_carried_both_ways() -> None:
    record = LaterRecord("x", datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
                         (Attachment("a.pdf", "application/pdf", 3, "ab" * 32),), {"b": 2, "a": 1})  # fmt: skip
    plain = to_plain(record)
    assert list(plain["counts"]) == ["a", "b"] and plain["files"][0]["digest"] == "ab" * 32
    problems: list[str] = []
    back = from_plain(LaterRecord, json.loads(json.dumps(plain)), "r", problems)
    assert problems == [] and back is not None
    assert back._replace(counts=dict(back.counts)) == record


def test_into_a_desk_that_holds_some_of_the_ids_those_are_skipped_and_named(
    lived_in: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export(capsys, lived_in.directory, tmp_path / "out.json")
    other = Store(tmp_path / "other")
    other.add_complaints([make_complaint(2, subject="Ours, not the file's")])
    status, out, _err = run_cli(capsys, "--data-dir", str(other.directory), "import", str(tmp_path / "out.json"))
    assert status == 0
    assert "Restored 3 complaints with 1 note, 3 replies and 2 history entries." in out
    assert "Skipped 1 complaint the desk holds already (kept as stored, nothing added to it): T-2" in out
    assert other.complaint("T-2").subject == "Ours, not the file's" and other.notes("T-2") == []
    assert other.complaint("T-1") == lived_in.complaint("T-1")


TAMPERINGS: list[tuple[str, Callable[[dict[str, Any]], object], str]] = [  # complaints by id: M-4, T-1, T-2, T-3
    ("version", lambda d: d.update(version=2), "is an export of version 2; this agent-console reads version 1"),
    ("status", lambda d: d["complaints"][1].update(status="closed"), "complaints[1]: status 'closed' is not one of"),
    ("naive time", lambda d: d["complaints"][2].update(received="2026-11-30T00:00:00"),
     "complaints[2].received: '2026-11-30T00:00:00' is not an ISO 8601 time with an offset"),
    ("note elsewhere", lambda d: d["complaints"][1]["notes"][0].update(complaint_id="T-9"),
     "complaints[1].notes[0]: belongs to 'T-9', not to its complaint"),
    ("unknown field", lambda d: d["complaints"][3].update(secret="x"), "complaints[3]: unknown fields secret"),
    ("missing field", lambda d: d["complaints"][3].pop("customer_name"), "complaints[3]: lacks customer_name"),
    ("number", lambda d: d["complaints"][1]["replies"][1].update(text=3), "complaints[1].replies[1].text: is not text"),
    ("tick", lambda d: d["complaints"][1]["ticks"]["cancellation/apologise"].update(step="other"),
     "complaints[1]: tick 'cancellation/apologise' is not its step's"),
    ("same id", lambda d: d["complaints"][3].update(id="T-1"), "complaints[3]: id 'T-1' is also at complaints[1]"),
    ("history field", lambda d: d["complaints"][2]["history"][0].update(field="body"),
     "complaints[2].history[0].field: no such field"),
    ("file bytes", lambda d: d["attachments"].update({k: "QUJD" for k in list(d["attachments"])[:1]}),
     "the bytes do not match their digest"),
    ("file gone", lambda d: d["attachments"].pop(next(iter(d["attachments"]))), "attachments: lacks the file"),
    ("file size", lambda d: d["complaints"][0]["attachments"][0].update(size=1), "the bytes are not the size given"),
    ("reply language", lambda d: d["complaints"][1]["replies"][0].update(language="sv"),
     "complaints[1].replies[0]: language 'sv' is not one of en, fi, et, hr"),
    ("delivery of no reply", lambda d: d["complaints"][0]["deliveries"][0].update(reply_id="r-9"),
     "complaints[0].deliveries[0]: no reply 'r-9' to the complaint"),
    ("follow-up twice", lambda d: d["complaints"][0]["customer_messages"].append(d["complaints"][0]["customer_messages"][0]),  # noqa: E501
     "complaints[0].customer_messages[1]: id 'f4@customer.example' is also at complaints[0].customer_messages[0]"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "change", "said"), TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_a_tampered_document_is_one_line_a_problem_and_nothing_is_stored(
    lived_in: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
    change: Callable[[dict[str, Any]], object], said: str,
) -> None:  # fmt: skip
    document = json.loads(export(capsys, lived_in.directory, tmp_path / "out.json"))
    change(document)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document), encoding="utf-8")
    fresh = tmp_path / "fresh"
    status, out, err = run_cli(capsys, "--data-dir", str(fresh), "import", str(tampered))
    assert (status, out) == (2, "") and err.count("\n") == 1, err
    assert f"agent-console: {tampered}: " in err and said in err and "nothing was imported" in err
    assert Store(fresh).complaints() == []


def test_every_problem_of_a_tampered_document_is_listed(
    lived_in: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(export(capsys, lived_in.directory, tmp_path / "out.json"))
    for _name, change, _said in TAMPERINGS[1:8]:
        change(document)
    (tmp_path / "t.json").write_text(json.dumps(document), encoding="utf-8")
    status, _out, err = run_cli(capsys, "--data-dir", str(tmp_path / "fresh"), "import", str(tmp_path / "t.json"))
    assert status == 2 and err.startswith("agent-console: 7 problems, nothing was imported:\n")
    assert len(err.splitlines()) == 8


def test_a_cut_off_document_is_one_line(lived_in: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = export(capsys, lived_in.directory, tmp_path / "out.json")
    (tmp_path / "cut.json").write_bytes(whole[: len(whole) // 2])
    status, _out, err = run_cli(capsys, "--data-dir", str(tmp_path / "fresh"), "import", str(tmp_path / "cut.json"))
    assert status == 2 and err.count("\n") == 1 and "is not a whole agent-console export" in err
    status, _out, err = run_cli(
        capsys, "--data-dir", str(tmp_path / "fresh"), "import", str(tmp_path / "out.json"), str(tmp_path / "cut.json")
    )
    assert status == 2 and "an agent-console export is imported on its own" in err
    assert Store(tmp_path / "fresh").complaints() == []
    status, _out, err = run_cli(capsys, "--data-dir", str(tmp_path / "fresh"), "import", str(tmp_path / "out.json"),
                                "--default", "language=fi")  # fmt: skip
    assert status == 2 and "--map, --default and --date-format do not apply" in err
    assert Store(tmp_path / "fresh").complaints() == []


def test_the_csv_export_still_neutralises_a_formula_the_json_keeps(
    lived_in: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = run_cli(capsys, "--data-dir", str(lived_in.directory), "export", "--format", "csv")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(out, newline=""))}
    assert status == 0 and rows["T-3"]["body"].startswith("'=cmd|")
    assert lived_in.complaint("T-3").body.startswith("=cmd|")
