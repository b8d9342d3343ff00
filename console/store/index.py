"""What the inbox needs of every complaint, kept by column so that 100k complaints load in a fraction of a
second and take little memory.

Text that differs per complaint (id, received, customer, subject, ticked steps, when it was first replied to,
when its first-response clock restarted) is a list per column.
Values that repeat (status, priority, channel, language, kind, assignee, playbook) are *categories*: a
short list of the distinct values and one string holding a code character per complaint, so a column of
100k is one string, and counting or filtering it runs in C (`str.count`, `str.translate`). Rows are made
into `Summary` tuples only when they are shown.

A shard's inbox file holds the same columns for its complaints (`encode_shard`); `InboxIndex.merge` joins
the shards, re-coding each shard's categories into the desk-wide ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from console.store.records import Summary

TEXT_COLUMNS = ("id", "received", "customer_name", "subject", "ticked", "first_response", "clock_from")
CATEGORY_COLUMNS = ("channel", "language", "kind", "status", "priority", "assignee", "playbook")
HAYSTACK = "-haystack"
"""Where a shard's folded search text is kept, inside its parsed inbox file (never written to disk)."""
CODE_BASE = 0x30
"""The first code character ("0"): codes stay printable in the files."""


class Category:
    """One repeating column: its distinct values and a code character per complaint."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._codes: dict[Any, str] = {}
        self._parts: list[str] = []
        self._joined = ""

    def code(self, value: Any) -> str:
        """The code character of `value`, given one if it is new."""
        code = self._codes.get(value)
        if code is None:
            code = self._codes[value] = chr(CODE_BASE + len(self.values))
            self.values.append(value)
        return code

    def extend(self, values: Sequence[Any], codes: str) -> None:
        """Add a shard's complaints, coded by the shard's own `values`."""
        table = {CODE_BASE + number: self.code(value) for number, value in enumerate(values)}
        self._parts.append(codes.translate(table))

    @property
    def codes(self) -> str:
        if self._parts:
            self._joined += "".join(self._parts)
            self._parts.clear()
        return self._joined

    def value(self, row: int) -> Any:
        return self.values[ord(self.codes[row]) - CODE_BASE]

    def code_of(self, value: Any) -> str | None:
        """The code of `value`, or None when no complaint has it."""
        return self._codes.get(value)

    def count(self, value: Any) -> int:
        code = self._codes.get(value)
        return 0 if code is None else self.codes.count(code)


def encode_shard(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A shard's inbox file: its complaints' state documents as columns."""
    documents = list(rows)
    encoded: dict[str, Any] = {
        "id": [d["id"] for d in documents],
        "received": [d["received"] for d in documents],
        "customer_name": [d["customer_name"] for d in documents],
        "subject": [d["subject"] for d in documents],
        "ticked": [" ".join(sorted(d["ticks"])) for d in documents],
        "first_response": [d.get("first_response_at") or "" for d in documents],
        "clock_from": [d.get("clock_from") or "" for d in documents],
    }
    categories = {}
    for name in CATEGORY_COLUMNS:
        category = Category()
        codes = "".join(category.code(d.get(name)) for d in documents)
        categories[name] = [category.values, codes]
    encoded["categories"] = categories
    return encoded


def well_formed(encoded: object) -> bool:
    """Whether a parsed inbox file has the shape `merge` needs (it is derived data: never trusted)."""
    if not isinstance(encoded, dict) or not all(isinstance(encoded.get(name), list) for name in TEXT_COLUMNS):
        return False
    length = len(encoded["id"])
    if any(len(encoded[name]) != length for name in TEXT_COLUMNS):
        return False
    categories = encoded.get("categories")
    if not isinstance(categories, dict):
        return False
    for name in CATEGORY_COLUMNS:
        pair = categories.get(name)
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], list) and isinstance(pair[1], str)):
            return False
        if len(pair[1]) != length or (pair[1] and max(map(ord, set(pair[1]))) >= CODE_BASE + len(pair[0])):
            return False
    return True


class InboxIndex:
    """Every complaint as the inbox needs it, by column, in no particular order; `damaged` names the files
    that could not be read (the rest of the desk is here)."""

    def __init__(self) -> None:
        self.text: dict[str, list[str]] = {name: [] for name in TEXT_COLUMNS}
        self.categories: dict[str, Category] = {name: Category() for name in CATEGORY_COLUMNS}
        self.damaged: tuple[Any, ...] = ()
        self.shards: list[dict[str, Any]] = []

    def add(self, encoded: dict[str, Any]) -> None:
        self.shards.append(encoded)
        for name in TEXT_COLUMNS:
            encoded[name] = _untracked(encoded[name])
            self.text[name].extend(encoded[name])
        for name in CATEGORY_COLUMNS:
            values, codes = encoded["categories"][name]
            self.categories[name].extend(values, codes)

    def seal(self) -> None:
        """Done adding: the columns become tuples, which the cycle collector stops tracking."""
        self.text = {name: _untracked(values) for name, values in self.text.items()}  # type: ignore[misc]

    def __len__(self) -> int:
        return len(self.text["id"])

    @property
    def ids(self) -> list[str]:
        return self.text["id"]

    def column(self, name: str) -> list[Any]:
        """A whole column as a list (categories decoded): for sorting and searching."""
        if name in self.text:
            return self.text[name]
        category = self.categories[name]
        values = category.values
        return [values[ord(code) - CODE_BASE] for code in category.codes]

    def value(self, name: str, row: int) -> Any:
        if name in self.text:
            return self.text[name][row]
        return self.categories[name].value(row)

    def summary(self, row: int) -> Summary:
        return Summary(*(self.value(name, row) for name in Summary._fields))

    def summaries(self) -> list[Summary]:
        return [self.summary(row) for row in range(len(self))]

    def haystacks(self, fold_many: Callable[[list[str]], list[str]]) -> list[str]:
        """Each complaint's searchable text (id, customer, subject, agent), folded by `fold_many`. Kept
        with each shard's parsed file, so a reload folds only the shards that changed."""
        haystacks: list[str] = []
        for encoded in self.shards:
            folded = encoded.get(HAYSTACK)
            if folded is None:
                values, codes = encoded["categories"]["assignee"]
                agents = [values[ord(code) - CODE_BASE] or "" for code in codes]
                texts = [
                    f"{cid} {name} {subject} {agent}"
                    for cid, name, subject, agent in zip(
                        encoded["id"], encoded["customer_name"], encoded["subject"], agents, strict=True
                    )
                ]
                folded = encoded[HAYSTACK] = _untracked(fold_many(texts))
            haystacks.extend(folded)
        return _untracked(haystacks)  # type: ignore[return-value]


def _untracked(values: Sequence[str]) -> tuple[str, ...]:
    """`values` as a tuple. CPython's cycle collector stops tracking a tuple that holds only strings (at
    the first collection that sees it), while it walks every item of a list at every full collection: with
    100k rows in a dozen lists that was a 60 ms pause now and then, in the middle of a keystroke."""
    return values if isinstance(values, tuple) else tuple(values)
