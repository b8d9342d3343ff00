"""The small pattern language of the phrase rules, compiled to regular expressions over folded text.

Folding lower-cases and drops diacritics one character for one character (č→c, đ→d, ä→a, õ→o, …), so
offsets into the folded text are offsets into what the agent typed. A pattern is words in order within one
sentence; data/README.md documents the syntax:

    sopimu* ...2 ehto*|ehdo*      stem* = the stem and up to 8 more letters; a|b = either; ...N = up to N words
    let+us+down|failed            a + joins words into one alternative
    *ehdo*                        a leading * lets a compound end in the stem: käyttöehdoissa
    ugovor* nije? predviđ*        word? = optional; đ in a rule also matches "dj" and "d" in the text
"""

from __future__ import annotations

import re
import unicodedata

MAX_SUFFIX = 8
"""Letters a `stem*` may add: Finnish and Estonian case endings with a possessive or clitic fit."""
MAX_PREFIX = 14
"""Letters a `*stem` may have in front: the first part of a compound (`toimitus`ehdot, `kasutus`tingimused)."""

_WORD_CHARS = r"[\w'\-]"
# A hyphen ends a word here: "web" matches in "web-stranici", "ukk" in "UKK-osiosta".
_BEFORE = r"(?<!\w)"
_AFTER = r"(?!\w|'\w)"
# Between two words of a phrase: spaces and in-sentence punctuation, a single line break, never . ! ? or a
# blank line, so that a pattern does not run on from one sentence into the next.
_SEPARATOR = r"(?:[^\w.!?\n]|\n(?!\s*\n)){1,4}"
_GAP = re.compile(r"^\.\.\.([1-9]?)$")
_TOKEN = re.compile(r"^(\*)?([\w'\-]+)(?:(\*)([1-9]|1[0-9])?)?$")


class PatternError(ValueError):
    """A pattern does not follow the syntax; the message says which word."""


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        character = chr(code)
        base = unicodedata.normalize("NFD", character)[0]
        if base != character and base.isascii() and base.isalpha():
            table[code] = base.lower()
    table.update({ord("đ"): "d", ord("Đ"): "d", ord("ø"): "o", ord("ł"): "l", ord("ı"): "i"})
    for quote in "’‘ʼ´`":
        table[ord(quote)] = "'"
    for dash in "‐‑":
        table[ord(dash)] = "-"
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """`text` lower-cased without diacritics, exactly as long as `text` (so offsets carry over)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lower-cases to two characters: keep such a letter as it is
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered.translate(_FOLD)


def _literal(word: str) -> str:
    """A word of a rule as a regular expression over folded text: đ also matches the "dj" typed for it."""
    return "".join("dj?" if char in "đĐ" else re.escape(fold(char)) for char in word)


def _one_word(text: str) -> str:
    found = _TOKEN.match(text)
    if found is None:
        raise PatternError(f"{text!r} is not a word, stem* or *stem")
    prefix, stem, star, limit = found.groups()
    expression = _literal(stem)
    if prefix:
        expression = f"[\\w\\-]{{0,{MAX_PREFIX}}}" + expression
    if star:
        expression += f"[\\w']{{0,{int(limit) if limit else MAX_SUFFIX}}}"  # courier*: courier's
    return expression


def _word(token: str) -> str:
    """One place of a pattern: alternatives split by |, each one word or words joined by + (head+office)."""
    alternatives = (_SEPARATOR.join(map(_one_word, choice.split("+"))) for choice in token.split("|"))
    return "(?:" + "|".join(alternatives) + ")"


def compile_pattern(pattern: str) -> str:
    """The regular expression (no capturing groups) for one pattern of a rule; `at_word_start` puts it where
    a word begins."""
    tokens = pattern.split()
    if not tokens:
        raise PatternError("empty pattern")
    parts: list[str] = []
    gap = 0
    for position, token in enumerate(tokens):
        gap_match = _GAP.match(token)
        if gap_match:
            if position == 0 or position == len(tokens) - 1 or gap:
                raise PatternError(f"{token!r} must stand between two words")
            gap = int(gap_match.group(1) or 3)
            continue
        optional = token.endswith("?")
        word = _word(token.removesuffix("?"))
        if position == 0:
            if optional:
                raise PatternError(f"{token!r}: the first word cannot be optional")
            parts.append(word)
            continue
        if optional and position == len(tokens) - 1:
            raise PatternError(f"{token!r}: the last word cannot be optional")
        skipped = f"(?:{_SEPARATOR}{_WORD_CHARS}+){{0,{gap}}}" if gap else ""
        step = f"{_SEPARATOR}{word}"
        parts.append(skipped + (f"(?:{step})?" if optional else step))  # a gap before an optional word stays
        gap = 0
    return "".join(parts) + _AFTER


def at_word_start(expression: str) -> str:
    """Anchor `expression` (patterns joined by |) at the start of a word: one look-behind for them all,
    so that the scan moves on at once inside words."""
    return f"{_BEFORE}(?:{expression})"


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around text[start:end]: from after the last . ! ? or line break before, to the next."""
    before = max(text.rfind(mark, 0, start) for mark in ".!?\n")
    after = [found for found in (text.find(mark, end) for mark in ".!?\n") if found != -1]
    return before + 1, min(after, default=len(text))
