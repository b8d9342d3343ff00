"""Reading complaints from JSON (an array or JSON Lines) and CSV files, all-or-nothing.

A file is parsed and validated completely before anything is stored; the first problem stops the import
with one message naming the file and the line or record.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.i18n import LANGUAGES, _, match_language, ngettext
from console.safe_text import clean_line, from_spreadsheet_cell
from console.store import CHANNELS, PRIORITIES, Complaint

REQUIRED = ("id", "received", "customer_name", "customer_email", "channel", "language", "subject", "body")
OPTIONAL = ("kind", "priority", "customer_phone")
_ALIASES = {
    "name": "customer_name",
    "customer": "customer_name",
    "email": "customer_email",
    "phone": "customer_phone",
    "lang": "language",
}


class ImportFileError(ValueError):
    """One line saying which file, where in it, and what is wrong."""

    def __init__(self, path: Path, where: str | None, problem: str) -> None:
        location = f"{path}: {where}: " if where else f"{path}: "
        super().__init__(location + problem)


def _line(number: int) -> str:
    return _("line {number}").format(number=number)


def _field_name(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(key, key)


def _text(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(_("field {name} must be text").format(name=repr(name)))
    return str(value).strip() if name != "body" else str(value).strip("\r\n")


def _received(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # documented: times without an offset are UTC
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(_("received {value} is not an ISO 8601 date-time").format(value=repr(value))) from None


def _one_of(name: str, value: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value.lower() not in allowed:
        raise ValueError(
            _("{field} {value} is not one of {allowed}").format(
                field=name, value=repr(value), allowed=", ".join(allowed)
            )
        )
    return value.lower()


def complaint_from_record(raw: Any, kinds: tuple[str, ...]) -> Complaint:
    """A validated Complaint from one imported record; ValueError says what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError(_("a record must be an object with named fields"))
    record = {_field_name(str(key)): value for key, value in raw.items() if key is not None}
    values = {name: _text(record, name) for name in REQUIRED + OPTIONAL}
    missing = [name for name in REQUIRED if not values[name]]
    if missing:
        raise ValueError(_("missing {fields}").format(fields=", ".join(missing)))
    if clean_line(values["id"]) != values["id"]:
        raise ValueError(_("id {id} holds control characters or line breaks").format(id=ascii(values["id"])))
    if "@" not in values["customer_email"]:
        raise ValueError(
            _("customer_email {value} is not an e-mail address").format(value=repr(values["customer_email"]))
        )
    language = match_language(values["language"])
    if language is None:
        raise ValueError(
            _("{field} {value} is not one of {allowed}").format(
                field="language", value=repr(values["language"]), allowed=", ".join(LANGUAGES)
            )
        )
    return Complaint(
        id=values["id"],
        received=_received(values["received"]),
        customer_name=values["customer_name"],
        customer_email=values["customer_email"],
        customer_phone=values["customer_phone"],
        channel=_one_of("channel", values["channel"], CHANNELS),
        language=language,
        subject=values["subject"],
        body=values["body"],
        kind=_one_of("kind", values["kind"], kinds) if values["kind"] else "complaint",
        priority=_one_of("priority", values["priority"], PRIORITIES) if values["priority"] else "normal",
    )


NESTING_LIMIT = 32
"""A record is an object of text fields: two levels. json.loads meets deeper input with RecursionError."""
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]')


def _too_deep(path: Path, text: str) -> ImportFileError:
    """The record (of a JSON array) where `text` first nests deeper than NESTING_LIMIT."""
    depth, record = 0, 1
    for token in _JSON_TOKEN.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > NESTING_LIMIT:
                break
        elif mark in "]}":
            depth -= 1
        elif mark == "," and depth == 1:
            record += 1
    return ImportFileError(path, _("record {number}").format(number=record), _("nested too deeply"))


def _json_records(path: Path, text: str) -> Iterator[tuple[str, Any]]:
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileError(
                path, _line(error.lineno), _("not valid JSON: {problem}").format(problem=error.msg)
            ) from None
        except RecursionError:
            raise _too_deep(path, text) from None
        for number, record in enumerate(records, start=1):
            yield _("record {number}").format(number=number), record
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ImportFileError(
                path, _line(number), _("not valid JSON: {problem}").format(problem=error.msg)
            ) from None
        except RecursionError:
            raise ImportFileError(path, _line(number), _("nested too deeply")) from None
        yield _line(number), record


def _csv_records(path: Path, text: str) -> Iterator[tuple[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    start = 1  # the line where the record being read begins (a quoted value may span lines)
    try:
        names = [_field_name(name) for name in reader.fieldnames or []]
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            problem = ngettext("header lacks column {names}", "header lacks columns {names}", len(missing))
            raise ImportFileError(path, _line(1), problem.format(names=", ".join(missing)))
        start = reader.line_num + 1
        for record in reader:
            if None in record:
                raise ImportFileError(path, _line(start), _("more values than columns"))
            if any(value is None for value in record.values()):
                raise ImportFileError(path, _line(start), _("fewer values than columns"))
            yield _line(start), {name: from_spreadsheet_cell(value) for name, value in record.items()}
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(path, _line(start), _("not valid CSV: {problem}").format(problem=error)) from None


def read_complaints(path: Path, kinds: tuple[str, ...]) -> list[Complaint]:
    """Every complaint in the file, or ImportFileError for the first problem found."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(path, None, _("cannot be read: {problem}").format(problem=error.strerror)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(path, _line(line), _("is not UTF-8 text")) from None
    if not text.strip():
        raise ImportFileError(path, None, _("is empty"))
    parse: Callable[[Path, str], Iterator[tuple[str, Any]]]
    parse = _csv_records if path.suffix.lower() == ".csv" else _json_records
    if path.suffix.lower() not in (".csv", ".json", ".jsonl", ".ndjson"):
        parse = _json_records if text.lstrip()[:1] in "[{" else _csv_records
    complaints: list[Complaint] = []
    seen: dict[str, str] = {}
    for where, record in parse(path, text):
        try:
            complaint = complaint_from_record(record, kinds)
        except ValueError as error:
            raise ImportFileError(path, where, str(error)) from None
        if complaint.id in seen:
            problem = _("id {id} already used at {where}").format(id=repr(complaint.id), where=seen[complaint.id])
            raise ImportFileError(path, where, problem)
        seen[complaint.id] = where
        complaints.append(complaint)
    if not complaints:
        raise ImportFileError(path, None, _("holds no complaints"))
    return complaints
