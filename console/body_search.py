"""The words of a search or filter looked for in what the customers wrote, too.

The inbox answers a query at once from its own search text (id, customer, subject, agent: see
`InboxModel`); the bodies are read from disk shard by shard (`console/store/bodies.py`), on a worker
thread, and what they add is handed back in batches as it is found. A complaint is found when each word
is in its search text or in its body. Body text is only matched here, never shown.

A search that is no longer wanted (the query changed, the desk was reloaded) stops at the next shard; what
it had already handed back is dropped by the screen, which tags every search with a token.
"""

from __future__ import annotations

import itertools
import operator
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from console.query import fold_many
from console.store import Store, StoreCorrupt, StoreUnavailable
from console.store.bodies import ShardBodies, shard_bodies

Unreadable = StoreCorrupt | StoreUnavailable

BATCH_SECONDS = 0.1
"""How often found rows are handed back: each batch re-arranges the rows on screen (some ms at 100k)."""


@dataclass(frozen=True)
class Found:
    """What the bodies gave for a query's words so far: rows (of the loaded index) in which each word is in
    the search text or the body; `done` once every shard was read."""

    words: tuple[str, ...]
    rows: frozenset[int] = frozenset()
    done: bool = False
    carried: frozenset[int] = frozenset()
    """After a reload, what the search of the same words found before it (as rows of the new index): shown
    until this search is done, so that the rows do not blink whenever someone changes the desk."""
    again: bool = False
    """A search repeated after a reload: not announced, its last result is on screen meanwhile."""

    @property
    def shown(self) -> frozenset[int]:
        return self.rows | self.carried if self.carried else self.rows

    @property
    def searching(self) -> bool:
        """Whether to say that the bodies are still being searched."""
        return not self.done and not self.again

    def add(self, rows: Sequence[int], done: bool) -> Found:
        kept = self.rows.union(rows) if rows else self.rows
        return Found(self.words, kept, done, frozenset() if done else self.carried, self.again)


def found_again(words: tuple[str, ...], before: Found | None, ids: Sequence[str], row_of: Mapping[str, int]) -> Found:
    """A search of `words` starting over on a reloaded index, carrying what `before` (of the old index,
    whose ids are `ids`) showed, if it was for the same words."""
    if before is None or before.words != words:
        return Found(words)
    rows = (row_of.get(ids[row]) for row in before.shown)
    return Found(words, carried=frozenset(row for row in rows if row is not None), again=True)


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
    """Batches of rows whose every word is in their haystack or their body, the last one `done`; stops,
    without a last batch, as soon as `wanted` says the search is stale. Runs on a worker thread: it only
    reads `haystacks` and `row_of`, which the loaded index never changes."""
    needles = [(word, " ".join(word.split()).encode("utf-8", "replace")) for word in words]
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
            bodies = shard_bodies(store, number, fold_many)
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
    """The rows of one shard's bodies in which each word is in the haystack or the body. Every test is a
    `map` over C functions: a shard of 256 costs some 0.1 ms a word."""
    numbers = list(map(row_of.get, bodies.ids))
    lines = bodies.lines
    if None in numbers:  # messages of complaints the loaded index does not hold (written since)
        kept = [position for position, row in enumerate(numbers) if row is not None]
        numbers = [numbers[position] for position in kept]
        lines = [lines[position] for position in kept]
    rows: list[int] = numbers  # type: ignore[assignment]  # no None left
    if not rows:
        return []
    hay = operator.itemgetter(*rows)(haystacks) if len(rows) > 1 else (haystacks[rows[0]],)
    keep: list[bool] | None = None
    for word, needle in needles:
        found = map(
            operator.or_,
            map(operator.contains, hay, itertools.repeat(word)),
            map(operator.contains, lines, itertools.repeat(needle)),
        )
        keep = list(found) if keep is None else list(map(operator.and_, keep, found))
    return list(itertools.compress(rows, keep or ()))
