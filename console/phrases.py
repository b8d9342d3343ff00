"""Harmful-phrase warnings: the phrases the seeds say make a complaint worse, found in a reply as it is typed.

Rules live in data/phrases/<lang>.toml (and a shop's own file, see `shop_rules_dir`); each has a kind, word
patterns (console/phrase_patterns.py) and a better phrasing. `check` is pure and fast: the rules of a language
are compiled once into one regular expression and kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from console.i18n import LANGUAGES, N_, UnknownLanguage, _
from console.phrase_patterns import PatternError, at_word_start, compile_pattern, fold, sentence_bounds
from console.resources import data_dir
from console.safe_text import clean_line
from console.text_input import read_regular

KINDS: tuple[str, ...] = (
    "contract",
    "management",
    "website",
    "blame_partner",
    "blame_customer",
    "dismissive",
    "insult",
)

_KIND_NAMES: Mapping[str, str] = {
    "contract": N_("Hiding behind terms"),
    "management": N_("“Management decided”"),
    "website": N_("“See our website”"),
    "blame_partner": N_("Blaming a partner"),
    "blame_customer": N_("Blaming the customer"),
    "dismissive": N_("Dismissive"),
    "insult": N_("Insult"),
}
_ADVICE: Mapping[str, str] = {
    "contract": N_(
        "Pointing to the contract or its terms may win the argument but loses the customer: nobody reads the "
        "small print. Explain what you can do for them."
    ),
    "management": N_(
        "“Management decided” only passes the anger up the line. Take the matter on yourself and say what "
        "you will do next."
    ),
    "website": N_(
        "Sending the customer to the website or FAQ feels like a brush-off, however politely put. Give the "
        "answer yourself."
    ),
    "blame_partner": N_(
        "The customer does not care about your suppliers or partners; blaming them shifts the responsibility. "
        "Apologise and put it right."
    ),
    "blame_customer": N_(
        "Telling customers it is their fault may win the round but loses them. Even when they are wrong, let "
        "them keep face."
    ),
    "dismissive": N_(
        "Brushing the problem off tells the customer they do not matter. Acknowledge how they feel and say "
        "what you can do."
    ),
    "insult": N_(
        "Never answer an insult with one: the anger is not aimed at you personally. Stay polite and keep to the matter."
    ),
}
_RULE_KEYS = frozenset({"id", "kind", "patterns", "unless", "suggestion", "enabled"})
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SHOP_RULES_VARIABLE = "AGENT_CONSOLE_PHRASES"
MAX_RULES_SIZE = 1024 * 1024
"""A rule file is read whole and its rules compiled into one expression: the bundled ones are about 15 KiB."""


class PhraseFileError(Exception):
    """A rule file cannot be used; the message is one line naming the file and the rule."""


@dataclass(frozen=True)
class Finding:
    start: int  # character offsets into the checked text, end exclusive
    end: int
    text: str  # text[start:end]
    kind: str  # one of KINDS
    advice: str  # why it hurts, in the UI language (gettext at call time)
    suggestion: str  # a better phrasing, in the reply's language


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    patterns: tuple[str, ...]
    suggestion: str
    unless: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class _Compiled:
    """A language's rules as one expression; group `r<N>` matched means rule N."""

    expression: re.Pattern[str] | None
    rules: tuple[Rule, ...]
    unless: tuple[re.Pattern[str] | None, ...]


def kind_name(kind: str) -> str:
    """The short name of a kind in the UI language, e.g. "Hiding behind terms"."""
    return _(_KIND_NAMES[kind])


def advice(kind: str) -> str:
    """Why phrases of this kind hurt, in the UI language."""
    return _(_ADVICE[kind])


def bundled_rules_file(lang: str) -> Path:
    return data_dir() / "phrases" / f"{lang}.toml"


def shop_rules_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where a shop keeps its own rules, <lang>.toml each: $AGENT_CONSOLE_PHRASES, else
    $XDG_CONFIG_HOME/agent-console/phrases, else ~/.config/agent-console/phrases."""
    configured = environ.get(SHOP_RULES_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    config_home = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "agent-console" / "phrases"


def _fail(path: Path, where: str, problem: str) -> PhraseFileError:
    return PhraseFileError(f"{path}: {where}: {problem}")


def _strings(path: Path, where: str, value: object, key: str, required: bool) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item.strip() for item in value):
        raise _fail(path, where, f"{key} must be a list of one or more patterns")
    for pattern in value:
        try:
            compile_pattern(pattern)
        except PatternError as error:
            raise _fail(path, where, f"pattern {pattern!r}: {error}") from None
    return tuple(value)


def _rule(path: Path, number: int, item: object) -> Rule:
    where = f"rule {number}"
    if not isinstance(item, dict):
        raise _fail(path, where, "must be a table")
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise _fail(path, where, "needs an id of lower-case letters, digits, - and _")
    where = f"rule {rule_id!r}"
    unknown = sorted(set(item) - _RULE_KEYS)
    if unknown:
        raise _fail(path, where, f"unknown key {unknown[0]!r}")
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(path, where, "enabled must be true or false")
    if not enabled:  # a shop switching a bundled rule off needs to say nothing else
        return Rule(rule_id, "", (), "", enabled=False)
    kind = item.get("kind")
    if kind not in KINDS:
        raise _fail(path, where, f"kind must be one of {', '.join(KINDS)}")
    suggestion = item.get("suggestion")
    if isinstance(suggestion, str):  # a shop's file is no more trusted than a complaint: shown, never obeyed
        suggestion = clean_line(suggestion)
    if not isinstance(suggestion, str) or not suggestion:
        raise _fail(path, where, "needs a suggestion: a better phrasing")
    patterns = _strings(path, where, item.get("patterns"), "patterns", required=True)
    unless = _strings(path, where, item.get("unless"), "unless", required=False)
    return Rule(rule_id, kind, patterns, suggestion, unless)


def read_rules(path: Path) -> tuple[Rule, ...]:
    """The rules of one file, each checked; PhraseFileError names the file and the rule."""
    import tomllib

    try:
        payload = read_regular(path, MAX_RULES_SIZE + 1)
    except OSError as error:
        raise PhraseFileError(f"{path}: cannot be read: {error.strerror}") from None
    if len(payload) > MAX_RULES_SIZE:
        raise PhraseFileError(f"{path}: larger than {MAX_RULES_SIZE // 1024} KiB, not a rule file")
    try:
        document: dict[str, Any] = tomllib.loads(payload.decode("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise PhraseFileError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise PhraseFileError(f"{path}: not UTF-8") from None
    except RecursionError:  # tomllib nests arrays and tables by recursion
        raise PhraseFileError(f"{path}: not valid TOML: nested too deeply") from None
    unknown = sorted(set(document) - {"rule"})
    if unknown:
        raise PhraseFileError(f"{path}: unknown key {unknown[0]!r} (rules are [[rule]] tables)")
    items = document.get("rule", [])
    if not isinstance(items, list):
        raise PhraseFileError(f"{path}: rule must be [[rule]] tables")
    rules: dict[str, Rule] = {}
    for number, item in enumerate(items, start=1):
        rule = _rule(path, number, item)
        if rule.id in rules:
            raise _fail(path, f"rule {rule.id!r}", "the id is used twice")
        rules[rule.id] = rule
    return tuple(rules.values())


def load_rules(lang: str, shop_dir: Path | None = None) -> tuple[Rule, ...]:
    """The bundled rules of `lang` with the shop's own added; a shop rule with a bundled rule's id replaces
    it (or, with `enabled = false`, switches it off)."""
    if lang not in LANGUAGES:
        raise UnknownLanguage(lang)
    rules = {rule.id: rule for rule in read_rules(bundled_rules_file(lang))}
    shop_file = (shop_rules_dir() if shop_dir is None else shop_dir) / f"{lang}.toml"
    if shop_file.is_file():
        rules.update((rule.id, rule) for rule in read_rules(shop_file))
    return tuple(rule for rule in rules.values() if rule.enabled)


def _join(patterns: tuple[str, ...]) -> str:
    return "|".join(compile_pattern(pattern) for pattern in patterns)


@lru_cache(maxsize=16)
def _compiled(lang: str, shop_dir: Path) -> _Compiled:
    rules = load_rules(lang, shop_dir)
    groups = [f"(?P<r{number}>{_join(rule.patterns)})" for number, rule in enumerate(rules)]
    expression = re.compile(at_word_start("|".join(groups))) if groups else None
    unless = tuple(re.compile(at_word_start(_join(rule.unless))) if rule.unless else None for rule in rules)
    return _Compiled(expression, rules, unless)


def clear_cache() -> None:
    """Forget the compiled rules (after a rule file changed)."""
    _compiled.cache_clear()


def check(text: str, lang: str) -> list[Finding]:
    """The harmful phrases in `text`, written in `lang`, sorted by where they start. Raises UnknownLanguage
    for a language without rules and PhraseFileError for a broken rule file (the first call reads them)."""
    compiled = _compiled(lang, shop_rules_dir())
    if compiled.expression is None:
        return []
    folded = fold(text)
    findings: list[Finding] = []
    for match in compiled.expression.finditer(folded):
        number = int((match.lastgroup or "r0")[1:])
        rule = compiled.rules[number]
        start, end = match.span()
        unless = compiled.unless[number]
        if unless is not None and unless.search(folded, *sentence_bounds(folded, start, end)):
            continue
        findings.append(Finding(start, end, text[start:end], rule.kind, advice(rule.kind), rule.suggestion))
    return findings
