"""Reading complaints from JSON (an array or JSON Lines) and CSV files, all-or-nothing.

Every file is parsed and validated completely before anything is stored; every problem found is named
with its file and the line (CSV: the line a record starts on; JSON Lines: its line; a JSON array: the
record), the first ERRORS_SHOWN of them shown. A shop's own columns are named with `ImportOptions`
(see console/import_options.py for `--map`, `--default` and `--date-format`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from console.i18n import LANGUAGES, _, match_language, ngettext
from console.safe_text import clean_line, from_spreadsheet_cell, visible
from console.store import CHANNELS, PRIORITIES, Complaint

REQUIRED = ("id", "received", "customer_name", "customer_email", "channel", "language", "body")
OPTIONAL = ("subject", "customer_phone", "kind", "priority")
FIELDS = REQUIRED + OPTIONAL
SUBJECT_LENGTH = 60
"""A complaint without a subject gets its body's first line, cut to this many characters."""
ERRORS_SHOWN = 20
_ALIASES = {
    "name": "customer_name",
    "customer": "customer_name",
    "email": "customer_email",
    "phone": "customer_phone",
    "lang": "language",
}


def column_key(name: str) -> str:
    """A column or field name as compared: case, surrounding space and `-`/space versus `_` aside."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def field_name(name: str) -> str:
    """The field a column of that name fills when no `--map` says otherwise (a few common aliases)."""
    key = column_key(name)
    return _ALIASES.get(key, key)


class ImportOptions(NamedTuple):
    """How a file's columns become fields: `columns` (pairs of a column's key, see `column_key`, and the
    field it fills) before the usual names, `defaults` (field -> value) where a record has none,
    `date_formats` (strptime) for `received`, tried in order, instead of ISO 8601."""

    columns: tuple[tuple[str, str], ...] = ()
    defaults: Mapping[str, str] = MappingProxyType({})
    date_formats: tuple[str, ...] = ()

    def field_of(self, column: str) -> str | None:
        """The field a column fills; None for a column whose usual field a mapped column fills instead."""
        return _field_of(self.columns, column)


@cache
def _field_of(columns: tuple[tuple[str, str], ...], column: str) -> str | None:
    """Asked for every value of every record, of a few column names: worked out once each."""
    mapped = dict(columns)
    key = column_key(column)
    if key in mapped:
        return mapped[key]
    field = field_name(column)
    return None if field in mapped.values() else field


PLAIN = ImportOptions()


class ImportFileError(ValueError):
    """One line saying which file, where in it, and what is wrong."""

    def __init__(self, path: Path, where: str | None, problem: str) -> None:
        super().__init__(_located(path, where, problem))
        self.path, self.where, self.problem = path, where, problem


class ImportProblems(ImportFileError):
    """Every problem of the files, the first ERRORS_SHOWN of them one to a line; nothing was imported."""

    def __init__(self, problems: Sequence[ImportFileError]) -> None:
        ValueError.__init__(self, problems_message(problems))
        self.problems = tuple(problems)


def _located(path: Path, where: str | None, problem: str) -> str:
    """One line; a control or line break a hostile file put in a key or value is shown as `\\x1b` text."""
    line = f"{path}: {where}: {problem}" if where else f"{path}: {problem}"
    return visible(line).replace("\n", "\\n")


def problems_message(problems: Sequence[ImportFileError]) -> str:
    if len(problems) == 1:
        return _("{problem} (nothing was imported)").format(problem=problems[0].args[0])
    heading = ngettext(
        "{count} problem, nothing was imported:", "{count} problems, nothing was imported:", len(problems)
    )
    lines = [heading.format(count=len(problems))]
    lines.extend("  " + problem.args[0] for problem in problems[:ERRORS_SHOWN])
    if len(problems) > ERRORS_SHOWN:
        more = len(problems) - ERRORS_SHOWN
        lines.append("  " + ngettext("… and {count} more", "… and {count} more", more).format(count=more))
    return "\n".join(lines)


def _line(number: int) -> str:
    return _("line {number}").format(number=number)


def _record(number: int) -> str:
    return _("record {number}").format(number=number)


def _text(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(_("field {name} must be text").format(name=repr(name)))
    return str(value).strip() if name != "body" else str(value).strip("\r\n")


def _received(value: str, formats: tuple[str, ...]) -> datetime:
    try:
        if formats:
            moment = _strptime(value, formats)
        else:
            moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # documented: times without an offset are UTC
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        if formats:
            problem = _("received {value} does not match --date-format {formats}")
            raise ValueError(problem.format(value=repr(value), formats=" | ".join(formats))) from None
        raise ValueError(_("received {value} is not an ISO 8601 date-time").format(value=repr(value))) from None


def _strptime(value: str, formats: tuple[str, ...]) -> datetime:
    for form in formats:
        try:
            return datetime.strptime(value, form)
        except ValueError:
            continue
    raise ValueError(value)


def _one_of(name: str, value: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value.lower() not in allowed:
        raise ValueError(
            _("{field} {value} is not one of {allowed}").format(
                field=name, value=repr(value), allowed=", ".join(allowed)
            )
        )
    return value.lower()


def _id(value: str) -> str:
    if clean_line(value) != value:
        raise ValueError(_("id {id} holds control characters or line breaks").format(id=ascii(value)))
    return value


def _email(value: str) -> str:
    if "@" not in value:
        raise ValueError(_("customer_email {value} is not an e-mail address").format(value=repr(value)))
    return value


def _language(value: str) -> str:
    language = match_language(value)
    if language is None:
        raise ValueError(
            _("{field} {value} is not one of {allowed}").format(
                field="language", value=repr(value), allowed=", ".join(LANGUAGES)
            )
        )
    return language


@cache
def field_checks(kinds: tuple[str, ...], date_formats: tuple[str, ...] = ()) -> dict[str, Callable[[str], Any]]:
    """What each checked field's text becomes (ValueError says why it cannot): `--default` is checked
    with these too. Made once per set of kinds and formats (a file's records share them)."""
    return {
        "id": _id,
        "received": lambda value: _received(value, date_formats),
        "customer_email": _email,
        "channel": lambda value: _one_of("channel", value, CHANNELS),
        "language": _language,
        "kind": lambda value: _one_of("kind", value, kinds),
        "priority": lambda value: _one_of("priority", value, PRIORITIES),
    }


def subject_from_body(body: str) -> str:
    """A subject for a message that came without one: its first line with text, cut at a word to at most
    SUBJECT_LENGTH characters ("…" where cut)."""
    line = next((clean_line(line) for line in body.splitlines() if line.strip()), "")
    if len(line) <= SUBJECT_LENGTH:
        return line
    cut = line[: SUBJECT_LENGTH - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > SUBJECT_LENGTH // 2 else cut).rstrip(" ,.;:-") + "…"


def complaint_from_record(raw: Any, kinds: tuple[str, ...], options: ImportOptions = PLAIN) -> Complaint:
    """A validated Complaint from one imported record; ValueError names every problem it has."""
    if not isinstance(raw, dict):
        raise ValueError(_("a record must be an object with named fields"))
    record: dict[str, Any] = {}
    for key, value in raw.items():
        field = None if key is None else options.field_of(str(key))
        if field is not None:
            record[field] = value
    problems: list[str] = []
    values: dict[str, str] = {}
    not_text: set[str] = set()
    for name in FIELDS:
        try:
            values[name] = _text(record, name) or options.defaults.get(name, "")
        except ValueError as error:
            problems.append(str(error))
            values[name] = ""
            not_text.add(name)
    missing = [name for name in REQUIRED if not values[name] and name not in not_text]
    if missing:
        problems.append(_("missing {fields}").format(fields=", ".join(missing)))
    checked: dict[str, Any] = {}
    for name, check in field_checks(kinds, options.date_formats).items():
        if values[name]:
            try:
                checked[name] = check(values[name])
            except ValueError as error:
                problems.append(str(error))
    if problems:
        raise ValueError("; ".join(problems))
    return Complaint(
        id=checked["id"],
        received=checked["received"],
        customer_name=values["customer_name"],
        customer_email=checked["customer_email"],
        customer_phone=values["customer_phone"],
        channel=checked["channel"],
        language=checked["language"],
        subject=values["subject"] or subject_from_body(values["body"]),
        body=values["body"],
        kind=checked.get("kind") or "complaint",
        priority=checked.get("priority") or "normal",
    )


NESTING_LIMIT = 32
"""A record is an object of text fields: two levels. json.loads meets deeper input with RecursionError."""
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]')


class _Parsed(NamedTuple):
    """One record of a file, or why it is not one (`problem`); `where` says where it is."""

    where: str
    record: Any
    problem: str | None = None


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
    return ImportFileError(path, _record(record), _("nested too deeply"))


def _json_records(path: Path, text: str, _options: ImportOptions) -> Iterator[_Parsed]:
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
            yield _Parsed(_record(number), record)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield _Parsed(_line(number), json.loads(line))
        except json.JSONDecodeError as error:
            yield _Parsed(_line(number), None, _("not valid JSON: {problem}").format(problem=error.msg))
        except RecursionError:
            yield _Parsed(_line(number), None, _("nested too deeply"))


def _csv_header(path: Path, names: list[str], options: ImportOptions) -> None:
    keys = {column_key(name) for name in names}
    problems = [
        _("--map names column {column}, which the header lacks").format(column=repr(column))
        for column, _field in options.columns
        if column not in keys
    ]
    filled = {options.field_of(name) for name in names} | set(options.defaults)
    missing = [name for name in REQUIRED if name not in filled]
    if missing:
        problem = ngettext("header lacks column {names}", "header lacks columns {names}", len(missing))
        problems.append(
            problem.format(names=", ".join(missing))
            + " "
            + _("(name a column with --map COLUMN=FIELD, or give a value with --default FIELD=VALUE)")
        )
    if problems:
        raise ImportFileError(path, _line(1), "; ".join(problems))


def _csv_records(path: Path, text: str, options: ImportOptions) -> Iterator[_Parsed]:
    consumed = 0  # physical lines read so far: a quoted value may span lines

    def lines() -> Iterator[str]:
        nonlocal consumed
        for line in io.StringIO(text, newline=""):
            consumed += 1
            yield line

    reader = csv.reader(lines(), strict=True)
    start = 1
    try:
        names = next(reader, [])
        _csv_header(path, names, options)
        while True:
            start = consumed + 1
            row = next(reader, None)
            if row is None:
                return
            if not row:
                continue  # a blank line
            if len(row) != len(names):
                more = len(row) > len(names)
                yield _Parsed(
                    _line(start), None, _("more values than columns") if more else _("fewer values than columns")
                )
                continue
            yield _Parsed(
                _line(start), {name: from_spreadsheet_cell(value) for name, value in zip(names, row, strict=True)}
            )
    except csv.Error as error:
        raise ImportFileError(path, _line(start), _("not valid CSV: {problem}").format(problem=error)) from None


def _file_text(path: Path) -> str:
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
    return text


def _read(
    path: Path, kinds: tuple[str, ...], options: ImportOptions, problems: list[ImportFileError]
) -> list[Complaint]:
    """The complaints of one file; each problem found is added to `problems`."""
    complaints: list[Complaint] = []
    try:
        text = _file_text(path)
        parse: Callable[[Path, str, ImportOptions], Iterator[_Parsed]]
        parse = _csv_records if path.suffix.lower() == ".csv" else _json_records
        if path.suffix.lower() not in (".csv", ".json", ".jsonl", ".ndjson"):
            parse = _json_records if text.lstrip()[:1] in "[{" else _csv_records
        seen: dict[str, str] = {}
        for parsed in parse(path, text, options):
            if parsed.problem is not None:
                problems.append(ImportFileError(path, parsed.where, parsed.problem))
                continue
            try:
                complaint = complaint_from_record(parsed.record, kinds, options)
            except ValueError as error:
                problems.append(ImportFileError(path, parsed.where, str(error)))
                continue
            if complaint.id in seen:
                problem = _("id {id} already used at {where}").format(id=repr(complaint.id), where=seen[complaint.id])
                problems.append(ImportFileError(path, parsed.where, problem))
                continue
            seen[complaint.id] = parsed.where
            complaints.append(complaint)
    except ImportFileError as error:  # the rest of the file cannot be read
        problems.append(error)
        return complaints
    if not complaints and not problems:
        problems.append(ImportFileError(path, None, _("holds no complaints")))
    return complaints


def read_files(paths: Sequence[Path], kinds: tuple[str, ...], options: ImportOptions = PLAIN) -> list[Complaint]:
    """Every complaint of every file, or ImportProblems naming every problem of them all (an id that
    two files hold among them)."""
    problems: list[ImportFileError] = []
    complaints: list[Complaint] = []
    first_in: dict[str, Path] = {}
    for path in paths:
        for complaint in _read(path, kinds, options, problems):
            if first_in.setdefault(complaint.id, path) != path:
                problem = _("id {id} is also in {path}").format(id=repr(complaint.id), path=first_in[complaint.id])
                problems.append(ImportFileError(path, None, problem))
            else:
                complaints.append(complaint)
    if problems:
        raise ImportProblems(problems)
    return complaints
