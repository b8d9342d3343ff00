"""`agent-console phrases check`: the harmful-phrase warnings of the reply editor, for a file or a pipe.

Exit 0 when nothing is flagged, 1 when something is, 2 on bad input (an unknown language, a file that
cannot be read or is not UTF-8, a broken rule file), always as one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from console import i18n
from console.safe_text import clean_line, json_escaped, visible
from console.text_input import UnreadableText, read_text

if TYPE_CHECKING:  # the rules are compiled only for a check, not for every start of the app
    from console.phrases import Finding

COMMAND = "phrases"
EXIT_FLAGGED = 1
EXIT_BAD_INPUT = 2
FORMATS = ("text", "json")


class BadInput(Exception):
    """The text to check cannot be had, or its language has no rules; the message is one line."""


class _Command(Protocol):
    @property
    def parser(self) -> argparse.ArgumentParser: ...


def register(command: Callable[[str, str], _Command]) -> None:
    """Add `phrases check` to the command line (`command` makes a subcommand with the common options)."""
    _ = i18n._
    phrases = command(COMMAND, _("harmful-phrase warnings for replies"))
    actions = phrases.parser.add_subparsers(title=_("commands"), dest="action", metavar=_("COMMAND"), required=True)
    description = _("check a reply for harmful phrases (exit 1 if any is found, 2 on bad input)")
    checker = actions.add_parser(
        "check",
        help=description,
        description=description,
        add_help=False,
        formatter_class=phrases.parser.formatter_class,
    )
    options = checker.add_argument_group(_("options"))
    options.add_argument("-h", "--help", action="help", help=_("show this help and exit"))
    options.add_argument(
        "--lang",
        default=argparse.SUPPRESS,
        metavar="LANG",
        help=_("the reply's language: fi, et, hr or en (default: the UI language); the advice is in it too"),
    )
    options.add_argument("--format", choices=FORMATS, default="text", help=_("output format"))
    checker.add_argument_group(_("arguments")).add_argument(
        "file", nargs="?", default="-", metavar=_("FILE"), help=_("the reply to check (default, or -: standard input)")
    )


def run(arguments: argparse.Namespace, language: str, warning: str | None) -> int:
    """Check the text and print the findings; `warning` is set when `--lang` named no known language (the
    language is then English, which is not what was asked for)."""
    from console.phrases import PhraseFileError, check

    try:
        if warning is not None:
            requested = clean_line(getattr(arguments, "lang", ""))
            known = ", ".join(i18n.LANGUAGES)
            message = i18n._("no phrase rules for language {language} (known: {languages})")
            raise BadInput(message.format(language=repr(requested), languages=known))
        text = read_text(arguments.file)
        findings = check(text, language)
    except (BadInput, UnreadableText, PhraseFileError) as error:  # a shop's rule file may hold anything: shown inert
        print(f"agent-console: {clean_line(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    output = _as_json(findings) if arguments.format == "json" else as_text(text, findings)
    sys.stdout.write(visible(output) if sys.stdout.isatty() else output)
    return EXIT_FLAGGED if findings else 0


def position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (both from 1, in characters) of `offset` in `text`."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def as_text(text: str, findings: Sequence[Finding]) -> str:
    """One line per finding: where, the words, the kind, why, and a better phrasing."""
    from console.phrases import kind_name

    lines = []
    for finding in findings:
        line, column = position(text, finding.start)
        lines.append(
            i18n._("{line}:{column}: “{words}” — {kind}: {advice} Better: {suggestion}").format(
                line=line,
                column=column,
                words=clean_line(finding.text),
                kind=kind_name(finding.kind),
                advice=finding.advice,
                suggestion=clean_line(finding.suggestion),
            )
        )
    return "".join(line + "\n" for line in lines)


def _as_json(findings: Sequence[Finding]) -> str:
    records = [
        {
            "start": finding.start,
            "end": finding.end,
            "text": finding.text,
            "kind": finding.kind,
            "advice": finding.advice,
            "suggestion": finding.suggestion,
        }
        for finding in findings
    ]
    return json_escaped(json.dumps(records, ensure_ascii=False, indent=2)) + "\n"
