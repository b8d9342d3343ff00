"""The inbox's query language, and running a query over 100k complaints in a few milliseconds.

    status:open lang:fi kind:cancellation prio:high agent:me overdue "refund" -status:resolved

- `key:value` keeps complaints whose field has that value; `key:a,b` either value; `-key:value` (or
  `!key:value`) leaves them out. Keys: status, prio/priority, lang/language, kind, agent/assignee
  (`me`, `none` or a name), via/channel, and their names in the current language from
  data/query_keys.toml (`tila`, `tärkeys`… in Finnish). Values are the stored ones or their names in
  the current language (`tila:odottaa`, `käsittelijä:"ei kukaan"` in Finnish).
- `age:>14d` / `age:<2h` (`ikä:>14d` in Finnish): received more / less than that long ago (units m, h,
  d, w), as the age column counts; a cron job closing what has waited two weeks asks `status:waiting age:>14d`.
- `overdue`: overdue for its first reply: open, no reply yet, and past its priority's first-response
  target (console/response_clock.py; the model gives the rows, worked out with the configured targets).
- `tagged`: the complaints tagged with `t`.
  These two keywords are written in English in every language (as the keys are); their translations
  are words to find.
- Any other word, or "a quoted phrase", must appear in the id, customer, subject or agent — or in the
  message the customer wrote (`body_search`, on a worker: the rest answers at once).
Case and diacritics never matter: `cokolada` finds `čokolada`, `myohassa` finds `myöhässä`.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import shlex
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import NamedTuple, TypeVar

from console import labels
from console.i18n import _, current_language
from console.resources import data_dir
from console.store import CHANNELS, PRIORITIES, STATUSES
from console.store.index import InboxIndex
from console.views import overdue_rows

T = TypeVar("T")

KEYS = {
    "status": "status",
    "prio": "priority",
    "priority": "priority",
    "lang": "language",
    "language": "language",
    "kind": "kind",
    "agent": "assignee",
    "assignee": "assignee",
    "via": "channel",
    "channel": "channel",
}


QUERY_KEYS_FILE = "query_keys.toml"


@cache
def local_keys(language: str) -> dict[str, tuple[str, ...]]:
    """The keys a query may use in `language` besides the English ones: column -> words, as written
    (read from data/query_keys.toml the first time a query is run in that language)."""
    import tomllib

    with (data_dir() / QUERY_KEYS_FILE).open("rb") as file:
        table = tomllib.load(file)
    return {column: tuple(words) for column, words in table.get(language, {}).items()}


def column_of(key: str) -> str | None:
    """The column a query key names: an English key, or one in the current language (`tila`); "age" for
    the age key (`age:>14d`, `ikä:>14d`), which compares rather than names values."""
    folded = fold(key)
    if folded in KEYS:
        return KEYS[folded]
    if folded == "age":
        return "age"
    for column, words in local_keys(current_language()).items():
        if folded in map(fold, words):
            return column
    return None


def key_name(column: str) -> str:
    """How the key of `column` is written in the current language (its English name where it has none)."""
    words = local_keys(current_language()).get(column)
    if words:
        return words[0]
    return next((key for key, named in KEYS.items() if named == column and len(key) <= 6), column)


class QueryError(ValueError):
    """A query that cannot be run; the message says why, in the current language."""


_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
"""The blocks of combining diacritical marks: what is left of ä, õ or č beside its letter, decomposed."""


def fold(text: str) -> str:
    """Lower-case text without diacritics, so `cokolada` finds `čokolada`."""
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))


_SEPARATOR = "\x1f"
_NOT_LATIN = re.compile("[^\x00-\x7f\u0300-\u036f]")


def fold_many(texts: list[str]) -> list[str]:
    """`fold` of each text (a unit separator in one counts as a space), done in bulk by C code: once
    decomposed, dropping the combining marks is an ASCII encoding. The few texts that hold anything else
    (đ, ß, emoji, other scripts) are folded one by one."""
    texts = [text.replace(_SEPARATOR, " ") for text in texts]
    decomposed = unicodedata.normalize("NFKD", _SEPARATOR.join(texts).lower())
    folded = decomposed.encode("ascii", "ignore").decode("ascii").split(_SEPARATOR)
    matches = [match.start() for match in _NOT_LATIN.finditer(decomposed)]
    if matches:
        ends = list(itertools.accumulate(len(part) + 1 for part in decomposed.split(_SEPARATOR)))
        for number in {bisect.bisect_right(ends, position) for position in matches}:
            folded[number] = fold(texts[number])
    return folded


class Condition(NamedTuple):
    column: str
    values: frozenset[object]
    negated: bool = False


class Age(NamedTuple):
    """`age:>14d` (older: True) or `age:<2h` (older: False)."""

    older: bool
    span: timedelta


AGE_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_AGE = re.compile(r"([<>])([0-9]{1,6})([mhdw])")


@dataclass(frozen=True)
class Query:
    conditions: tuple[Condition, ...] = ()
    words: tuple[str, ...] = ()
    overdue: bool = False
    tagged: bool = False
    source: str = field(default="", compare=False)
    ages: tuple[Age, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.conditions or self.words or self.overdue or self.tagged or self.ages)

    def narrows(self, other: Query) -> bool:
        """Whether everything this query keeps, `other` keeps too (as when a word is typed on): then this
        one need only look at what `other` kept."""
        return (
            set(other.conditions) <= set(self.conditions)
            and set(other.ages) <= set(self.ages)
            and all(any(old in new for new in self.words) for old in other.words)
            and (self.overdue or not other.overdue)
            and not (self.tagged or other.tagged)
        )

    def rows(
        self,
        index: InboxIndex,
        candidates: Iterable[int],
        hay: list[str],
        now: datetime,
        tagged: Collection[str] = (),
        late: set[int] | None = None,
        kept_by: Query | None = None,
    ) -> list[int]:
        """The candidates (row numbers of `index`, in order) that match; `late` (the overdue rows) is
        worked out when not given. `kept_by`: a query every candidate is known to match (the one before,
        when this one `narrows` it); what it asked is not asked again."""
        known = kept_by or Query()
        rows = list(candidates)
        for condition in self.conditions:
            if condition not in known.conditions:
                rows = _keep(rows, index, condition)
        for age in self.ages:
            if age not in known.ages:
                rows = _aged(rows, index, age, now)
        if self.overdue and not known.overdue:
            late = overdue_rows(index, now) if late is None else late
            rows = _where(rows, map(late.__contains__, rows))
        if self.tagged:
            ids = index.ids
            rows = _where(rows, map(frozenset(tagged).__contains__, _at(ids, rows)))
        for word in self.words:
            if word in known.words:
                continue
            if len(rows) * 2 < len(hay):  # under half left (a word typed on): look at just those
                rows = _where(rows, map(operator.contains, _at(hay, rows), itertools.repeat(word)))
                continue
            # Every haystack in index order (where they lie in memory one after another), then the rows
            # looked up in the result: reading strings in sorted order costs a cache miss each, so at 100k
            # a row looked at that way costs as much as two or three in one pass over them all.
            found = bytes(map(operator.contains, hay, itertools.repeat(word)))
            rows = _where(rows, _at(found, rows))
        return rows


def _aged(rows: list[int], index: InboxIndex, age: Age, now: datetime) -> list[int]:
    """The rows received before (older) or after the moment `age.span` before `now`. Times are UTC ISO
    text, which sorts as time: one string comparison a row."""
    cutoff = (now - age.span).astimezone(UTC).isoformat()
    compare = operator.gt if age.older else operator.lt
    return _where(rows, map(compare, itertools.repeat(cutoff), _at(index.text["received"], rows)))


def _keep(rows: list[int], index: InboxIndex, condition: Condition) -> list[int]:
    category = index.categories[condition.column]
    codes = category.codes
    wanted = {category.code_of(value) for value in condition.values} - {None}
    if condition.negated:
        return _where(rows, map(operator.not_, map(wanted.__contains__, _at(codes, rows))))
    if len(wanted) == 1:
        (code,) = wanted
        return _where(rows, map(code.__eq__, _at(codes, rows)))
    return _where(rows, map(wanted.__contains__, _at(codes, rows)))


def _at(values: Sequence[T], rows: Sequence[int]) -> Sequence[T]:
    """`values[row]` for each of `rows`, in order, looked up in one C loop by an itemgetter: a bound
    `__getitem__` mapped over 100k rows costs three to five times as much."""
    if len(rows) > 1:
        return operator.itemgetter(*rows)(values)  # type: ignore[no-any-return]
    return [values[row] for row in rows]


def _where(rows: list[int], tests: Iterable[object]) -> list[int]:
    """The rows whose test is true, in order. Callers build `tests` from `map` over C functions, so the
    whole loop runs in C: a few milliseconds for 100k rows."""
    return list(itertools.compress(rows, tests))


_NAMED: dict[str, Callable[[str], str]] = {
    "status": labels.status,
    "priority": labels.priority,
    "channel": labels.channel,
}
"""Columns whose values have names in the current language (`status:odottaa`)."""


def _written(column: str, value: str) -> str:
    """How a value may be written in a query, in the current language (quoted if it has a space)."""
    name = _NAMED[column](value) if column in _NAMED else value
    return f'"{name}"' if " " in name else name


def _choices(column: str, kinds: Collection[str], index: InboxIndex) -> dict[str, object]:
    """Every word a value of `column` may be written as, folded, and the stored value it means."""
    stored: Iterable[str] = {
        "status": STATUSES,
        "priority": PRIORITIES,
        "channel": CHANNELS,
        "language": ("en", "fi", "et", "hr"),
        "kind": kinds,
    }.get(column, ())
    words: dict[str, object] = {}
    for value in stored:
        words[fold(value)] = value
        if column in _NAMED:
            words[fold(_NAMED[column](value))] = value
        if column == "channel":  # as the inbox's column shows it (`tel`)
            words[fold(labels.channel(value, short=True))] = value
    return words


def parse(text: str, kinds: Collection[str], agent: str, index: InboxIndex) -> Query:
    """The query `text` means; QueryError says what is wrong with a malformed one."""
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError:
        raise QueryError(_("A quote is not closed.")) from None
    conditions: list[Condition] = []
    words: list[str] = []
    ages: list[Age] = []
    overdue = tagged = False
    for token in tokens:
        negated = token[:1] in ("-", "!") and ":" in token
        bare = token[1:] if negated else token
        key, colon, value = bare.partition(":")
        if colon and " " not in key and key:
            column = column_of(key)
            if column == "age":
                ages.append(_age(key, value, negated))
                continue
            if column is None:
                fields = ", ".join(dict.fromkeys(key_name(named) for named in (*KEYS.values(), "age")))
                raise QueryError(_("Unknown field {field}: use {fields}.").format(field=key, fields=fields))
            if not value:
                raise QueryError(_("{field}: needs a value.").format(field=key))
            conditions.append(Condition(column, _values(column, key, value, kinds, agent, index), negated))
        elif fold(token) == "overdue":  # the keywords are English in every language: a Finnish
            overdue = True  # `myohassa` is a word to find (myöhässä), not the keyword
        elif fold(token) == "tagged":
            tagged = True
        elif folded := fold(token).strip():
            words.append(folded)
    return Query(tuple(conditions), tuple(words), overdue, tagged, source=text, ages=tuple(ages))


def _age(key: str, text: str, negated: bool) -> Age:
    match = _AGE.fullmatch(text.strip().lower())
    if match is None:
        raise QueryError(
            _(
                "{field}:{value} is not an age; try {field}:>14d (older) or {field}:<2h (newer), in m, h, d or w."
            ).format(field=key, value=text)
        )
    sign, count, unit = match.groups()
    return Age((sign == ">") != negated, int(count) * AGE_UNITS[unit])


def _values(
    column: str, key: str, text: str, kinds: Collection[str], agent: str, index: InboxIndex
) -> frozenset[object]:
    values: set[object] = set()
    if column == "assignee":
        known = {fold(name): name for name in index.categories["assignee"].values if name}
        for part in text.split(","):
            folded = fold(part)
            if folded in ("me", fold(_("me"))):
                values.add(agent)
            elif folded in ("none", "-", fold(_("none")), fold(_("nobody"))):  # "nobody" as a complaint shows it
                values.add(None)
            else:
                values.add(known.get(folded, part))
        return frozenset(values)
    choices = _choices(column, kinds, index)
    for part in text.split(","):
        value = choices.get(fold(part))
        if value is None:
            allowed = ", ".join(sorted({_written(column, str(v)) for v in choices.values()}))
            raise QueryError(_("{field}:{value} is not known; try {values}.").format(
                field=key, value=part, values=allowed
            ))  # fmt: skip
        values.add(value)
    return frozenset(values)


def _written_agent() -> str:
    name = _("nobody")
    return f'"{name}"' if " " in name else name


def query_help(kinds: Collection[str]) -> list[tuple[str, str]]:
    """The query language, as rows for the help screen, in the current language."""

    def values(column: str, stored: Iterable[str]) -> str:
        return f"{key_name(column)}: " + ", ".join(_written(column, value) for value in stored)

    status, priority, agent, age = (key_name(column) for column in ("status", "priority", "assignee", "age"))
    english = [("status:open", _("the English keys and values work in every language"))]
    return [
        ("", ""),
        (_("Search / and filter f:"), ""),
        (f"{status}:{_written('status', 'open')}", values("status", STATUSES)),
        (f"{priority}:{_written('priority', 'high')}", values("priority", PRIORITIES)),
        (f"{key_name('language')}:fi", values("language", ("en", "fi", "et", "hr"))),
        (f"{key_name('kind')}:…", values("kind", sorted(kinds))),
        (
            f"{agent}:{_('me')}",
            _("{key}: {me}, {nobody} or a name").format(key=agent, me=_("me"), nobody=_written_agent()),
        ),
        (f"{key_name('channel')}:{_written('channel', 'email')}", values("channel", CHANNELS)),
        (f"{age}:>14d", _("received more than 14 days ago; {key}:<2h less than 2 hours (m, h, d, w)").format(key=age)),
        (f"{status}:{_written('status', 'open')},{_written('status', 'waiting')}", _("a comma: either value")),
        (f"-{status}:{_written('status', 'resolved')}", _("a minus: leave those out")),
        (
            "overdue",
            _("open, unanswered and past its first-reply target (urgent 1 h, high 4 h, normal 24 h, low 72 h)"),
        ),
        ("tagged", _("the tagged complaints")),
        *(english if current_language() != "en" else []),
        (
            'refund "two words"',
            _("words in id, customer, subject, agent or message; case and accents do not matter"),
        ),
    ]
