"""`agent-console reply ID [--lang L] [--file F | TEXT…]`: store a reply to a complaint's customer from a
script or a shell, in the complaint's language unless told otherwise."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Protocol

from console import i18n
from console.i18n import LANGUAGES, language_in_ui
from console.safe_text import clean, clean_line, visible
from console.store import Reply, Store
from console.text_input import UnreadableText, read_text


class ReplyInputError(Exception):
    """The reply asked for cannot be stored as given (no text, an unreadable file, an unknown language)."""


class _Arguments(Protocol):
    def add_argument(self, *names: str, **settings: Any) -> argparse.Action: ...


def add_reply_arguments(options: _Arguments, arguments: _Arguments) -> None:
    """The `reply` subcommand's own options and arguments."""
    _ = i18n._
    arguments.add_argument("id", metavar="ID", help=_("the complaint's id"))
    options.add_argument(
        "--lang",
        dest="reply_language",
        metavar="L",
        help=_("the reply's language: fi, et, hr or en (default: the complaint's)"),
    )
    options.add_argument(
        "--file", metavar=_("FILE"), help=_("read the reply from FILE (- for standard input) instead of TEXT")
    )
    arguments.add_argument("text", nargs="*", metavar=_("TEXT"), help=_("the reply (several words need no quotes)"))


def takes_words(arguments: argparse.Namespace, rest: list[str]) -> bool:
    """`reply ID --lang hr Poštovani, …`: words after an option are the reply's too (argparse would stop at
    the option). True when `rest` (what argparse left) was taken as more of the text."""
    if getattr(arguments, "command", None) != "reply" or any(word.startswith("-") for word in rest):
        return False
    arguments.text = [*arguments.text, *rest]
    return True


def run_reply(store: Store, agent: str, arguments: argparse.Namespace) -> int:
    """Store the reply and print what was stored. Unknown ids end as UnknownComplaint (exit 2, one line)."""
    text = _reply_text(arguments.file, arguments.text)
    complaint = store.complaint(arguments.id)
    language = _language(arguments.reply_language, complaint.language)
    warn_about_harmful_phrases(text, language)
    reply = store.add_reply(complaint.id, text, language, agent)
    print(stored_text(reply), end="")
    return 0


def warn_about_harmful_phrases(text: str, language: str) -> None:
    """The phrase checker's warnings, on stderr as `phrases check` words them: the reply is stored all the
    same (a warning never blocks a reply), and a broken rule file only costs the warnings."""
    from console.phrases import PhraseFileError, check  # compiled for a reply, not for every start
    from console.phrases_command import as_text

    try:
        findings = check(text, language)
    except PhraseFileError as error:
        print(f"agent-console: {clean_line(str(error))}", file=sys.stderr)
        return
    if findings:
        sys.stderr.write(visible(as_text(text, findings)) if sys.stderr.isatty() else as_text(text, findings))


def stored_text(reply: Reply) -> str:
    """What `reply` prints: who stored what, in which language, and the text, made inert for the terminal."""
    heading = i18n._("Reply to {id} stored ({language}, by {agent}):").format(
        id=clean_line(reply.complaint_id), language=language_in_ui(reply.language), agent=clean_line(reply.author)
    )
    return heading + "\n" + "".join(f"    {line}\n" for line in clean(reply.text).splitlines())


def _reply_text(file: str | None, words: list[str]) -> str:
    if file is not None and words:
        raise ReplyInputError(i18n._("give the reply as TEXT or with --file, not both"))
    try:
        text = read_text(file) if file is not None else " ".join(words)
    except UnreadableText as error:
        raise ReplyInputError(str(error)) from None
    if not text.strip():
        raise ReplyInputError(i18n._("a reply needs some text"))
    return text.rstrip("\n")  # the newline a file or `echo` ends with is not part of the reply


def _language(given: str | None, complaint_language: str) -> str:
    if given is None:
        return complaint_language
    language = given.strip().lower()
    if language not in LANGUAGES:
        raise ReplyInputError(
            i18n._("--lang {value} is not known; try {values}").format(
                value=clean_line(given), values=", ".join(LANGUAGES)
            )
        )
    return language
