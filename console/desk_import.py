"""Importing a lossless export (console/desk_export.py): every record checked before anything is stored
(every problem named, the first twenty shown), then written as it was, in one transaction; complaints
whose id the desk holds already are skipped and named, never merged."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from console.collector import paused
from console.desk_export import FORMAT, LISTS, VERSION
from console.i18n import LANGUAGES, _, ngettext
from console.importing import ImportFileError, ImportProblems
from console.mail_reader import is_message_id
from console.playbooks import Playbooks
from console.record_json import from_plain
from console.safe_text import clean_line
from console.store import CHANNELS, PRIORITIES, STATUSES, Complaint, Store
from console.store.records import FIELDS_WITH_HISTORY
from console.store.restore_records import ComplaintRecords, RestoreResult

_HEAD = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"format"\s*:\s*"agent-console"')
_LIST_KINDS = {name: typing.get_type_hints(ComplaintRecords)[name] for name in LISTS}


def is_desk_document(path: Path) -> bool:
    """Whether `path` starts as an export of `export --format json` does (anything else: a plain import)."""
    try:
        with path.open("rb") as file:
            return _HEAD.match(file.read(4096)) is not None
    except OSError:
        return False


def _complaint_problems(complaint: Complaint, where: str, playbooks: Playbooks) -> list[str]:
    """What a complaint's fields hold that no desk stores."""
    problems = []
    allowed = {
        "status": STATUSES,
        "priority": PRIORITIES,
        "channel": CHANNELS,
        "language": LANGUAGES,
        "kind": playbooks.kinds(),
    }
    for name, values in allowed.items():
        if getattr(complaint, name) not in values:
            problems.append(
                _("{where}: {field} {value} is not one of {allowed}").format(
                    where=where, field=name, value=repr(getattr(complaint, name)), allowed=", ".join(values)
                )
            )
    if not complaint.id or clean_line(complaint.id) != complaint.id:
        problems.append(
            _("{where}: id {id} is empty or holds control characters").format(where=where, id=ascii(complaint.id))
        )
    if complaint.message_id and not is_message_id(complaint.message_id):
        problems.append(_message_id_problem(f"{where}.message_id", complaint.message_id))
    if complaint.playbook is not None and complaint.playbook not in playbooks:
        problems.append(_("{where}: no playbook {id}").format(where=where, id=repr(complaint.playbook)))
    for key, tick in complaint.ticks.items():
        if key != Complaint.tick_key(tick.playbook, tick.step):
            problems.append(_("{where}: tick {key} is not its step's").format(where=where, key=repr(key)))
    return problems


def _message_id_problem(where: str, value: str) -> str:
    return _("{where}: {value} is not a Message-ID (printable ASCII, no spaces or angle brackets)").format(
        where=where, value=ascii(value)
    )


def _records(index: int, data: Any, playbooks: Playbooks, problems: list[str]) -> ComplaintRecords | None:
    where = f"complaints[{index}]"
    if not isinstance(data, dict):
        problems.append(_("{where}: is not an object").format(where=where))
        return None
    fields = {name: value for name, value in data.items() if name not in LISTS}
    found = len(problems)
    complaint = from_plain(Complaint, fields, where, problems)
    lists: dict[str, tuple[Any, ...]] = {}
    for name in LISTS:
        lists[name] = from_plain(_LIST_KINDS[name], data.get(name, []), f"{where}.{name}", problems) or ()
    if complaint is None:
        return None
    problems.extend(_complaint_problems(complaint, where, playbooks))
    for name, items in lists.items():
        for number, item in enumerate(items):
            if item is not None and item.complaint_id != complaint.id:
                problems.append(
                    _("{where}: belongs to {id}, not to its complaint").format(
                        where=f"{where}.{name}[{number}]", id=repr(item.complaint_id)
                    )
                )
    replies = {reply.id for reply in lists["replies"] if reply is not None}
    for number, reply in enumerate(lists["replies"]):
        if reply is not None and reply.language not in LANGUAGES:
            problems.append(
                _("{where}: {field} {value} is not one of {allowed}").format(
                    where=f"{where}.replies[{number}]", field="language", value=repr(reply.language),
                    allowed=", ".join(LANGUAGES),
                )
            )  # fmt: skip
    for name, field in (("customer_messages", "id"), ("deliveries", "message_id")):
        for number, item in enumerate(lists[name]):
            if item is not None and not is_message_id(getattr(item, field)):
                problems.append(_message_id_problem(f"{where}.{name}[{number}].{field}", getattr(item, field)))
    for number, delivery in enumerate(lists["deliveries"]):
        if delivery is not None and delivery.reply_id not in replies:
            problems.append(_("{where}: no reply {id} to the complaint").format(
                where=f"{where}.deliveries[{number}]", id=repr(delivery.reply_id)
            ))  # fmt: skip
    for number, change in enumerate(lists["history"]):
        if change is not None and change.field not in (*FIELDS_WITH_HISTORY, "step"):
            problems.append(_("{where}: no such field").format(where=f"{where}.history[{number}].field"))
    return None if len(problems) > found else ComplaintRecords(complaint, **lists)


def _unique(records: Sequence[ComplaintRecords], problems: list[str]) -> None:
    """Ids given twice: a complaint's, a note's, a reply's, a mail's Message-ID."""
    seen: dict[tuple[str, str], str] = {}
    for index, bundle in enumerate(records):
        owned = [("complaints", bundle.complaint.id, f"complaints[{index}]")]
        if bundle.complaint.message_id:
            owned.append(("mail", bundle.complaint.message_id, f"complaints[{index}].message_id"))
        for name in ("notes", "replies"):
            owned.extend(
                (name, item.id, f"complaints[{index}].{name}[{n}]") for n, item in enumerate(getattr(bundle, name))
            )
        owned.extend(
            ("mail", item.id, f"complaints[{index}].customer_messages[{n}]")
            for n, item in enumerate(bundle.customer_messages)
        )
        owned.extend(
            ("mail", item.message_id, f"complaints[{index}].deliveries[{n}].message_id")
            for n, item in enumerate(bundle.deliveries)
        )
        for kind, record_id, where in owned:
            first = seen.setdefault((kind, record_id), where)
            if first != where:
                problems.append(
                    _("{where}: id {id} is also at {first}").format(where=where, id=repr(record_id), first=first)
                )


def _files(data: Any, records: Sequence[ComplaintRecords], problems: list[str]) -> list[bytes]:
    """The bytes of every file the records name, each checked against its digest and size (whether a
    mail names each file is asked only of records found whole)."""
    whole = not problems
    if not isinstance(data, dict):
        problems.append(_("attachments: is not an object"))
        return []
    named: dict[str, set[int]] = {}  # digest -> the sizes the mails give it
    for bundle in records:
        for attachment in bundle.attachments():
            named.setdefault(attachment.digest, set()).add(attachment.size)
    files = []
    for digest, text in data.items():
        where = f"attachments.{digest}"
        try:
            content = base64.b64decode(text, validate=True) if isinstance(text, str) else None
        except (binascii.Error, ValueError):
            content = None
        if content is None:
            problems.append(_("{where}: is not base64").format(where=where))
        elif hashlib.sha256(content).hexdigest() != digest:
            problems.append(_("{where}: the bytes do not match their digest").format(where=where))
        elif digest not in named and whole:
            problems.append(_("{where}: no mail names this file").format(where=where))
        elif digest in named and named[digest] != {len(content)}:
            problems.append(_("{where}: the bytes are not the size given").format(where=where))
        else:
            files.append(content)
    for digest in sorted(named.keys() - data.keys() if whole else ()):
        problems.append(_("attachments: lacks the file {digest}").format(digest=digest))
    return files


def read_desk_document(path: Path, playbooks: Playbooks) -> tuple[list[ComplaintRecords], list[bytes]]:
    """The records of an export and the files of their mail, checked whole (ImportProblems names every
    problem; nothing is stored)."""

    def fail(problems: list[str]) -> ImportProblems:
        return ImportProblems([ImportFileError(path, None, problem) for problem in problems])

    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as error:
        raise fail([_("cannot be read: {problem}").format(problem=error.strerror)]) from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise fail([_("is not a whole agent-console export (not valid JSON)")]) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise fail([_("is not an agent-console export")])
    if document.get("version") != VERSION:
        problem = _("is an export of version {version}; this agent-console reads version {known}")
        raise fail([problem.format(version=repr(document.get("version")), known=VERSION)])
    problems: list[str] = []
    unknown = sorted(set(document) - {"format", "version", "complaints", "attachments"})
    if unknown:
        problems.append(_("unknown fields {names}").format(names=", ".join(unknown)))
    complaints = document.get("complaints")
    if not isinstance(complaints, list):
        raise fail([*problems, _("complaints: is not a list")])
    records = [_records(index, data, playbooks, problems) for index, data in enumerate(complaints)]
    whole = [bundle for bundle in records if bundle is not None]
    _unique(whole, problems)
    files = _files(document.get("attachments", {}), whole, problems)
    if problems:
        raise fail(problems)
    return whole, files


def import_desk(store: Store, playbooks: Playbooks, paths: Sequence[Path]) -> RestoreResult:
    """Restore the export at `paths` (one file, given alone) and say what was restored and skipped."""
    if len(paths) != 1:
        raise ImportProblems([ImportFileError(paths[0], None, _("an agent-console export is imported on its own"))])
    with paused():  # many records and no cycles among them
        records, files = read_desk_document(paths[0], playbooks)
    result = store.restore_records(records, files)
    restored = [bundle for bundle in records if bundle.complaint.id not in set(result.skipped)]
    counts = {name: sum(len(getattr(bundle, name)) for bundle in restored) for name in LISTS}
    notes = ngettext("{count} note", "{count} notes", counts["notes"]).format(count=counts["notes"])
    replies = ngettext("{count} reply", "{count} replies", counts["replies"]).format(count=counts["replies"])
    history = ngettext("{count} history entry", "{count} history entries", counts["history"]).format(
        count=counts["history"]
    )
    restored_text = ngettext(
        "Restored {count} complaint with {notes}, {replies} and {history}.",
        "Restored {count} complaints with {notes}, {replies} and {history}.",
        result.restored,
    )
    print(restored_text.format(count=result.restored, notes=notes, replies=replies, history=history))
    if result.skipped:
        skipped = ngettext(
            "Skipped {count} complaint the desk holds already (kept as stored, nothing added to it): {ids}",
            "Skipped {count} complaints the desk holds already (kept as stored, nothing added to them): {ids}",
            len(result.skipped),
        )
        ids = ", ".join(clean_line(complaint_id) for complaint_id in result.skipped)
        print(skipped.format(count=len(result.skipped), ids=ids))
    return result
