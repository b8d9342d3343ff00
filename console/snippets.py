"""Ready phrases for a reply, in the reply's language, offered for the playbook step at hand (data/snippets.toml).

A snippet's text holds placeholders ({customer} {agent} {contact} {id} {date}) that `fill` replaces. A value
that is not known (no agent name in the config, no date picked yet) leaves its placeholder as it is, braces
and all: the agent sees `{contact}` in the reply, and `unfilled` lists it so the editor can say so.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from console.i18n import LANGUAGES, N_, UnknownLanguage, _
from console.resources import data_dir
from console.safe_text import clean_line

PLACEHOLDERS: tuple[str, ...] = ("customer", "agent", "contact", "id", "date")
"""Every placeholder a snippet may hold, in the order the README lists them."""
FILE_NAME = "snippets.toml"
MAX_TEXT = 400

_TITLES: Mapping[str, str] = {
    "greeting": N_("Greeting"),
    "received": N_("Message received"),
    "thanks": N_("Thanks for telling us"),
    "sorry-to-go": N_("Sorry to see you go"),
    "apology": N_("Apology"),
    "empathy": N_("Empathy"),
    "summary": N_("Summarise back"),
    "tell-more": N_("Ask for details"),
    "ask": N_("Ask what they want"),
    "ask-reason": N_("Ask why they leave"),
    "our-fault": N_("Our mistake"),
    "explain": N_("Explain tactfully"),
    "propose": N_("Propose a solution"),
    "team": N_("Taken to the team"),
    "instructions": N_("What is left to do"),
    "nothing-to-do": N_("Nothing left to do"),
    "cancel-confirmed": N_("Cancellation confirmed"),
    "no-invoices": N_("No more invoices"),
    "timeframe": N_("Timeframe and contact"),
    "delay": N_("Taking longer"),
    "callback": N_("Call back"),
    "extra": N_("Something extra"),
    "follow-up": N_("Follow-up"),
    "welcome-back": N_("Welcome back"),
    "anything-else": N_("Anything else?"),
    "closing": N_("Closing"),
}
"""The picker's name of each snippet, translated when shown; a snippet in the data file needs one here."""

_NUMERIC_DATES = frozenset({"fi", "et"})
"""Languages that write a date inside a sentence numerically, with the full year (CLDR's day-month-year
skeleton: 4.12.2026 in both), so that no month name has to take a case ending the sentence cannot give it;
Babel's short Estonian form (04.12.26) is a form's, not a letter's. Croatian and English spell the month out
(long form): Croatian in the genitive it needs after "do" ("do 4. prosinca 2026.")."""

_BRACES = re.compile(r"\{([^{}]*)\}|[{}]")


class SnippetFileError(ValueError):
    """The snippets file is malformed; the message names the file and the snippet, on one line."""


@dataclass(frozen=True)
class Snippet:
    key: str
    steps: tuple[str, ...]
    """The playbook step ids this snippet serves (may be empty: a greeting serves every reply); `playbook:step`
    serves that step of one playbook only (the cancellation's "apologise" is not the upset customer's)."""
    title: str
    """Short name in the UI language."""
    text: str
    """In the reply's language, placeholders unfilled."""


@dataclass(frozen=True)
class Placeholders:
    """What the placeholders stand for; an empty string or None leaves the placeholder in the text."""

    customer: str
    agent: str
    contact: str
    complaint_id: str
    date: datetime.date | None


@dataclass(frozen=True)
class SnippetTexts:
    """One snippet as the file holds it: its text in every language."""

    key: str
    steps: tuple[str, ...]
    texts: Mapping[str, str]


def _placeholders_in(text: str, where: str) -> set[str]:
    found = set()
    for match in _BRACES.finditer(text):
        name = match.group(1)
        if name is None:
            raise SnippetFileError(f"{where}: a lone brace {match.group()!r}; placeholders are written {{customer}}")
        if name not in PLACEHOLDERS:
            known = " ".join(f"{{{known}}}" for known in PLACEHOLDERS)
            raise SnippetFileError(f"{where}: unknown placeholder {{{name}}} (known: {known})")
        found.add(name)
    return found


def _entry(file_name: str, key: str, table: Any, step_ids: frozenset[str]) -> SnippetTexts:
    where = f"{file_name}: snippet {key!r}"
    if not isinstance(table, dict):
        raise SnippetFileError(f"{where}: must be a table of steps and texts")
    if key not in _TITLES:
        raise SnippetFileError(f"{where}: no title for this key in console/snippets.py")
    unknown = sorted(set(table) - {"steps", *LANGUAGES})
    if unknown:
        raise SnippetFileError(f"{where}: unknown field {unknown[0]!r}")
    steps = table.get("steps", [])
    if not isinstance(steps, list) or not all(isinstance(step, str) for step in steps):
        raise SnippetFileError(f"{where}: steps must be a list of step ids")
    for step in steps:
        if step not in step_ids:
            raise SnippetFileError(f"{where}: step {step!r} is in no playbook")
    texts: dict[str, str] = {}
    used: dict[str, set[str]] = {}
    for language in LANGUAGES:
        text = table.get(language)
        if not isinstance(text, str) or not text.strip():
            raise SnippetFileError(f"{where}: missing text in language {language!r}")
        if len(text) > MAX_TEXT:
            raise SnippetFileError(f"{where}: {language} is longer than {MAX_TEXT} characters")
        texts[language] = text.strip()
        used[language] = _placeholders_in(text, f"{where}: {language}")
    for language in LANGUAGES[1:]:
        if used[language] != used[LANGUAGES[0]]:
            differ = sorted(used[language] ^ used[LANGUAGES[0]])
            raise SnippetFileError(f"{where}: {language} and {LANGUAGES[0]} differ in placeholder {{{differ[0]}}}")
    return SnippetTexts(key, tuple(steps), texts)


def load_snippets(path: Path, step_ids: frozenset[str]) -> tuple[SnippetTexts, ...]:
    """Every snippet of `path`, checked: each in every language, only known placeholders (the same ones in
    every language), only steps of `step_ids`. Problems raise SnippetFileError."""
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise SnippetFileError(f"{path.name}: not valid TOML: {error}") from None
    except OSError as error:
        raise SnippetFileError(f"{path.name}: cannot be read: {error.strerror}") from None
    if not document:
        raise SnippetFileError(f"{path.name}: holds no snippets")
    return tuple(_entry(path.name, key, table, step_ids) for key, table in document.items())


def serves(steps: tuple[str, ...], playbook: str | None, step: str | None) -> bool:
    """Whether a snippet of these `steps` serves `step` of `playbook` (named alone, or as `playbook:step`)."""
    return step is not None and (step in steps or f"{playbook}:{step}" in steps)


def step_names(playbooks: Iterable[tuple[str, Iterable[str]]]) -> frozenset[str]:
    """Every way a snippet may name a step of these (playbook id, step ids): `step` and `playbook:step`."""
    return frozenset(name for playbook, steps in playbooks for step in steps for name in (step, f"{playbook}:{step}"))


@cache
def _bundled() -> tuple[SnippetTexts, ...]:
    from console.playbooks import load_playbooks

    playbooks = load_playbooks().all
    return load_snippets(data_dir() / FILE_NAME, step_names((book.id, book.step_ids()) for book in playbooks))


def snippets(lang: str, step: str | None = None, playbook: str | None = None) -> list[Snippet]:
    """The bundled snippets in `lang`: those serving `step` (of `playbook`) first, then the rest, each group
    in the file's order, which is the order a reply reads in (greeting first, closing last). Titles in the UI
    language."""
    if lang not in LANGUAGES:
        raise UnknownLanguage(lang)
    entries = _bundled()
    first = [entry for entry in entries if serves(entry.steps, playbook, step)]
    rest = [entry for entry in entries if not serves(entry.steps, playbook, step)]
    return [Snippet(entry.key, entry.steps, _(_TITLES[entry.key]), entry.texts[lang]) for entry in first + rest]


def _date(value: datetime.date, lang: str) -> str:
    from babel.dates import format_date, format_skeleton

    if lang in _NUMERIC_DATES:
        return format_skeleton("yMd", value, locale=lang)
    return format_date(value, "long", locale=lang)


def _words(values: Placeholders) -> dict[str, str]:
    """The placeholders given as text, one line each, terminal controls removed (the name comes from outside)."""
    return {
        "customer": clean_line(values.customer),
        "agent": clean_line(values.agent),
        "contact": clean_line(values.contact),
        "id": clean_line(values.complaint_id),
    }


def fill(text: str, values: Placeholders, lang: str) -> str:
    """`text` with each placeholder replaced by its value (one line each, terminal controls removed: the
    customer's name comes from outside); a placeholder without a value stays as it is, to be noticed."""
    known = _words(values)
    known["date"] = _date(values.date, lang) if values.date is not None else ""

    def replace(match: re.Match[str]) -> str:
        return known.get(match.group(1) or "", "") or match.group()

    return _BRACES.sub(replace, text)


def unfilled(template: str, values: Placeholders) -> list[str]:
    """The placeholders of `template` that `fill` leaves in (no value was known for them), each once, in
    order of appearance. Asked of the template, not the filled text: a customer named `{agent}` fills in
    literally and is no missing agent name."""
    known = {**_words(values), "date": "" if values.date is None else "set"}
    names = (match.group(1) for match in _BRACES.finditer(template))
    return list(dict.fromkeys(name for name in names if name in PLACEHOLDERS and not known[name]))
