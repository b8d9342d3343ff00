"""`import`'s options for a shop's own files: `--map COLUMN=FIELD`, `--default FIELD=VALUE`, `--date-format
FORMAT`, read into `ImportOptions` and checked before any file is read; and the help that lists the fields."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from console.i18n import _, ngettext
from console.importing import (
    ERRORS_SHOWN,
    FIELDS,
    OPTIONAL,
    REQUIRED,
    SUBJECT_LENGTH,
    ImportFileError,
    ImportOptions,
    column_key,
    field_checks,
    field_name,
)

FIELDS_EPILOG = "\0fields"
"""The import command's epilog, replaced by `fields_help` when the help is shown (it names the kinds)."""
_SAMPLE = datetime(2026, 11, 30, 13, 45, 10, tzinfo=UTC)
HELP_WIDTH = 79


class ImportOptionError(ImportFileError):
    """An option of `import` that cannot be used: one line naming it."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)


def add_arguments(options: Any) -> None:
    """`import`'s options for a shop's own columns (an argparse group)."""
    options.add_argument(
        "--map",
        action="append",
        default=[],
        metavar=_("COLUMN=FIELD,…"),
        help=_("the file's column COLUMN holds FIELD (repeatable, or comma-separated)"),
    )
    options.add_argument(
        "--default",
        action="append",
        default=[],
        metavar=_("FIELD=VALUE"),
        help=_("VALUE for FIELD where the file has none (repeatable)"),
    )
    options.add_argument(
        "--date-format",
        action="append",
        default=[],
        metavar=_("FORMAT"),
        help=_("how the file writes 'received' (strptime, e.g. {example}; several are tried in order)").format(
            example="%%d.%%m.%%Y"
        ),
    )


def _known_field(option: str, given: str, name: str) -> str:
    field = field_name(name)
    if field not in FIELDS:
        raise ImportOptionError(
            _("{option} {given}: {name} is not a field; the fields are {fields}").format(
                option=option, given=given, name=repr(name.strip()), fields=", ".join(FIELDS)
            )
        )
    return field


def _pairs(option: str, values: Sequence[str], separator: str | None) -> list[tuple[str, str, str]]:
    """(item as given, left, right) of each NAME=VALUE item, split at the first `=`."""
    pairs = []
    for value in values:
        for item in value.split(separator) if separator else [value]:
            left, equals, right = item.partition("=")
            if not item.strip() and separator:
                continue
            if not equals or not left.strip() or not right.strip():
                raise ImportOptionError(_("{option} {given}: write NAME=VALUE").format(option=option, given=repr(item)))
            pairs.append((item, left.strip(), right.strip()))
    return pairs


def _columns(values: Sequence[str]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for item, column, name in _pairs("--map", values, ","):
        field = _known_field("--map", item, name)
        key = column_key(column)
        if key in columns or field in columns.values():
            raise ImportOptionError(_("--map {given}: that column or field is mapped twice").format(given=repr(item)))
        columns[key] = field
    return columns


def _date_formats(values: Sequence[str]) -> tuple[str, ...]:
    """The formats, each checked to read back a day, month and year it wrote."""
    for form in values:
        try:
            read = datetime.strptime(_SAMPLE.strftime(form), form)
        except ValueError:
            read = None
        if read is None or read.date() != _SAMPLE.date():
            raise ImportOptionError(
                _("--date-format {format}: not a strptime format with day, month and year, e.g. {example}").format(
                    format=repr(form), example="%d.%m.%Y"
                )
            )
    return tuple(values)


def _defaults(values: Sequence[str], kinds: tuple[str, ...], date_formats: tuple[str, ...]) -> dict[str, str]:
    checks = field_checks(kinds, date_formats)
    defaults: dict[str, str] = {}
    for item, name, value in _pairs("--default", values, None):
        field = _known_field("--default", item, name)
        if field == "id" or field in defaults:
            problem = (
                _("--default {given}: every complaint needs its own id")
                if field == "id"
                else _("--default {given}: that field has a value already")
            )
            raise ImportOptionError(problem.format(given=repr(item)))
        try:
            checks.get(field, str)(value)
        except ValueError as error:
            raise ImportOptionError(f"--default {item!r}: {error}") from None
        defaults[field] = value
    return defaults


def read_options(
    maps: Sequence[str], defaults: Sequence[str], date_formats: Sequence[str], kinds: tuple[str, ...]
) -> ImportOptions:
    """The options as given on the command line, checked (ImportOptionError: one line naming the option)."""
    formats = _date_formats(date_formats)
    return ImportOptions(
        columns=tuple(_columns(maps).items()),
        defaults=MappingProxyType(_defaults(defaults, kinds, formats)),
        date_formats=formats,
    )


def fields_help(kinds: tuple[str, ...]) -> str:
    """The fields an import takes, one line each, and a webshop's export as an example."""
    about = {
        "id": _("the complaint's id, unique in the desk (an order number will do)"),
        "received": _("when it came: ISO 8601, or as --date-format says; without an offset, UTC"),
        "customer_name": _("the customer's name"),
        "customer_email": _("the customer's e-mail address"),
        "channel": _("email, phone, chat or web"),
        "language": _("fi, et, hr or en"),
        "body": _("what the customer wrote"),
        "subject": ngettext(
            "default: the body's first line, cut to {count} character",
            "default: the body's first line, cut to {count} characters",
            SUBJECT_LENGTH,
        ).format(count=SUBJECT_LENGTH),
        "customer_phone": _("the customer's phone number"),
        "kind": _("{kinds} (default: complaint)").format(kinds=", ".join(kinds)),
        "priority": _("low, normal, high or urgent (default: normal)"),
    }
    width = max(map(len, FIELDS)) + 4
    lines = [_("required fields:")]
    lines.extend(_described(name, about[name], width) for name in REQUIRED)
    lines.append(_("optional fields:"))
    lines.extend(_described(name, about[name], width) for name in OPTIONAL)
    lines += [
        "",
        *textwrap.wrap(_("A webshop's export with the columns Order,Date,Name,Email,Message:"), HELP_WIDTH),
        "  agent-console import orders.csv --date-format %d.%m.%Y \\",
        "    --map Order=id,Date=received,Message=body \\",
        "    --map Name=customer_name,Email=customer_email \\",
        "    --default channel=web --default language=fi",
        "",
        *textwrap.wrap(
            ngettext(
                "Each problem in the files is shown with its line (the first {count}); nothing is imported "
                "while any remains. A file written by 'export --format json' restores that desk whole.",
                "Each problem in the files is shown with its line (the first {count}); nothing is imported "
                "while any remains. A file written by 'export --format json' restores that desk whole.",
                ERRORS_SHOWN,
            ).format(count=ERRORS_SHOWN),
            HELP_WIDTH,
        ),
    ]
    return "\n".join(lines) + "\n"


def _described(name: str, about: str, width: int) -> str:
    return textwrap.fill(about, HELP_WIDTH, initial_indent=f"  {name:<{width - 2}}", subsequent_indent=" " * width)
