"""The words of a search or filter looked for in what the customers wrote, too.

The inbox answers a query at once from its own search text (id, customer, subject, agent: see
`InboxModel`); the bodies are read from disk shard by shard (`console/store/bodies.py`), on a worker
thread, and what they add is handed back in batches as it is found. A complaint is found when each word
is in its search text or in its body. Body text is only matched here, never shown.

A search that is no longer wanted (the query changed, the desk was reloaded) stops at the next shard; what
it had already handed back is dropped by the screen, which tags every search with a token.
"""

from __future__ import annotations

import collections
import functools
import itertools
import operator
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from console.query import fold
from console.store import Store, StoreCorrupt, StoreUnavailable
from console.store.bodies import ShardBodies, shard_bodies

Unreadable = StoreCorrupt | StoreUnavailable

BATCH_SECONDS = 0.25
"""How often found rows are handed back: each batch re-arranges the rows on screen (some ms at 100k)."""


class Found:
    """What the bodies gave for a query's words so far: a byte per row of the loaded index, 1 where each
    word is in the row's search text or body (and not every one in the search text, which finds those at
    once); `done` once every shard was read. Bytes, not a set of row numbers: looking 100k rows up in a
    set costs some 100 ms of cache misses, in 100 KB of bytes a few."""

    def __init__(self, words: tuple[str, ...], size: int, carried: bytearray | None = None) -> None:
        self.words = words
        self.rows = bytearray(size)
        self.done = False
        self.carried = carried
        """After a reload, what the search of the same words had found before it (as rows of the new
        index): shown until this search is done, so that rows do not blink whenever someone changes the
        desk; such a repeated search is not announced."""

    @property
    def searching(self) -> bool:
        """Whether to say that the bodies are still being searched."""
        return not self.done and self.carried is None

    def add(self, rows: Sequence[int], done: bool) -> None:
        mark(self.rows, rows)
        if done:
            self.done, self.carried = True, None

    def shown(self) -> bytearray:
        """A byte per row, 1 where found (or found before the reload, until this search is done)."""
        if self.carried is None:
            return self.rows
        either = int.from_bytes(self.rows, "little") | int.from_bytes(self.carried, "little")
        return bytearray(either.to_bytes(len(self.rows), "little"))


def mark(mask: bytearray, rows: Iterable[int]) -> None:
    """Set the bytes of `rows` to 1, in one C loop."""
    collections.deque(map(mask.__setitem__, rows, itertools.repeat(1)), maxlen=0)


def marked(rows: Sequence[int], mask: bytearray) -> list[int]:
    """The `rows` whose byte in `mask` is 1, in order: C loops, a few ms for 100k."""
    if len(rows) > 1:
        return list(itertools.compress(rows, operator.itemgetter(*rows)(mask)))
    return [row for row in rows if mask[row]]


def kept_or_found(mask: bytearray, kept: Iterable[int], rows: Sequence[int]) -> list[int]:
    """The `rows` that are among `kept` or marked in `mask`, in order."""
    either = bytearray(mask)
    mark(either, kept)
    return marked(rows, either)


def found_again(
    words: tuple[str, ...], before: Found | None, ids: Sequence[str], row_of: Mapping[str, int], size: int
) -> Found:
    """A search of `words` starting over on a reloaded index of `size` rows, carrying what `before` (of the
    old index, whose ids are `ids`) showed, if it was for the same words."""
    if before is None or before.words != words:
        return Found(words, size)
    old = before.shown()
    rows = map(row_of.get, (ids[row] for row in itertools.compress(range(len(old)), old)))
    carried = bytearray(size)
    mark(carried, (row for row in rows if row is not None))
    return Found(words, size, carried)


@dataclass(frozen=True)
class Batch:
    rows: list[int]
    done: bool
    damaged: tuple[Unreadable, ...] = field(default=())
    """Messages files that could not be read: their bodies were not searched."""


def search_bodies(
    store: Store,
    words: tuple[str, ...],
    haystacks: Sequence[str],
    row_of: Mapping[str, int],
    wanted: Callable[[], bool],
) -> Iterator[Batch]:
    """Batches of rows whose every word is in their haystack or their body (not all in the haystack: the
    search text finds those), the last one `done`; stops, without a last batch, as soon as `wanted` says
    the search is stale. Runs on a worker thread: it only reads `haystacks` and `row_of`, which the
    loaded index never changes."""
    needles = [(word, fold_lines([word])) for word in words]
    try:
        numbers = store.layout.shard_numbers()
    except StoreUnavailable as error:
        yield Batch([], True, (error,))
        return
    rows: list[int] = []
    damaged: list[Unreadable] = []
    handed = time.monotonic()
    for number in numbers:
        if not wanted():
            return
        try:
            bodies = shard_bodies(store, number, fold_lines)
        except (StoreCorrupt, StoreUnavailable) as error:
            damaged.append(error)
            continue
        rows.extend(matching(bodies, needles, haystacks, row_of))
        if time.monotonic() - handed >= BATCH_SECONDS:
            yield Batch(rows, False, tuple(damaged))
            rows, damaged, handed = [], [], time.monotonic()
    yield Batch(rows, True, tuple(damaged))


def matching(
    bodies: ShardBodies, needles: list[tuple[str, bytes]], haystacks: Sequence[str], row_of: Mapping[str, int]
) -> list[int]:
    """The rows of one shard in which each word is in the haystack or the body, and not every one in the
    haystack (those the search text has found already). Only the bodies that hold a word are looked at,
    found by searching the shard's whole text (C code)."""
    ids = bodies.ids
    holding = [frozenset(_lines_with(bodies.text, needle, len(ids))) for _word, needle in needles]
    rows = []
    for line in sorted(frozenset().union(*holding)):
        row = row_of.get(ids[line])
        if row is None:
            continue  # a message of a complaint the loaded index does not hold (written since)
        hay = haystacks[row]
        in_hay = [word in hay for word, _needle in needles]
        if not all(in_hay) and all(map(operator.or_, in_hay, (line in lines for lines in holding))):
            rows.append(row)
    return rows


def _lines_with(text: bytes, needle: bytes, count: int) -> Iterator[int]:
    """The numbers of the lines of `text` (below `count`) that hold `needle`, each once: a loop per line
    found, the searching and the counting of line breaks in between done by C code."""
    line = start = 0
    at = text.find(needle)
    while at != -1:
        line += text.count(b"\n", start, at)
        if line >= count:
            return
        yield line
        start = text.find(b"\n", at) + 1
        if not start:
            return
        line += 1
        at = text.find(needle, start)


_NOT_ASCII = re.compile(rb"[\x80-\xff]+")
_SPACES = bytes.maketrans(b"\t\n\x0b\x0c\r\x00", b"     \n")
"""Tabs and line breaks become spaces, and the separator of the texts (NUL) a line break."""


def fold_lines(texts: list[str]) -> bytes:
    """The texts folded exactly as `fold` folds them, UTF-8, one line each (tabs and line breaks spaces).
    Cheaper than `fold` on each text: the ASCII is lowered in one pass over bytes, and only the runs of
    other characters are folded, each distinct run once (ASCII letters never combine with what is around
    them, so a text folds as its pieces do)."""
    joined = "\x00".join(texts)
    if joined.count("\x00") > len(texts) - 1:
        joined = "\x00".join(text.replace("\x00", " ") for text in texts)
    raw = joined.encode("utf-8", "replace").lower().translate(_SPACES)
    return raw if raw.isascii() else _NOT_ASCII.sub(_folded_run, raw)


def _folded_run(match: re.Match[bytes]) -> bytes:
    return _fold_run(match.group())


@functools.lru_cache(maxsize=4096)
def _fold_run(run: bytes) -> bytes:
    return fold(run.decode("utf-8")).encode("utf-8", "replace").translate(_SPACES).replace(b"\n", b" ")
