"""Several processes at once, and processes killed with SIGKILL at random moments."""

from __future__ import annotations

import multiprocessing
import os
import random
import select
import signal
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from console.store import STATUSES, Store
from console.store.integrity import check

FORK = multiprocessing.get_context("fork")
pytestmark = pytest.mark.xdist_group("many-processes")  # one after the other: each keeps both cores busy


NOTES_EACH = 60
LOCK_WAIT = 120.0
"""The writers wait this long for the lock: eight processes polling for it on a busy two-core machine can
starve one past the default 10 s, which is about fairness, not about losing notes."""


def _add_notes(directory: str, author: str, count: int, start: Barrier) -> None:
    store = Store(Path(directory), lock_timeout=LOCK_WAIT)
    start.wait(60)  # all at once: every note is written while the others are writing theirs
    for number in range(count):
        store.add_note(f"T-{number % 3 + 1}", author, f"{author} note {number}")


def test_eight_processes_adding_notes_at_once_lose_none(small_store: Store) -> None:
    """Without the lock, two writers append at the same offset and one note overwrites another (some 10 %
    are lost at this size); with it every note is there, once."""
    start = FORK.Barrier(8)
    directory = str(small_store.directory)
    workers = [FORK.Process(target=_add_notes, args=(directory, f"agent{n}", NOTES_EACH, start)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(LOCK_WAIT)
        assert worker.exitcode == 0
    notes = [note for number in (1, 2, 3) for note in Store(small_store.directory).notes(f"T-{number}")]
    expected = sorted(f"agent{n} note {i}" for n in range(8) for i in range(NOTES_EACH))
    assert sorted(note.text for note in notes) == expected
    assert all(note.author == note.text.split()[0] for note in notes)
    report = check(small_store)
    assert report.ok and report.notes == 8 * NOTES_EACH


def _write_forever(directory: str, confirmed: int) -> None:
    """Notes, ticks and status changes without end; a note's text goes down the pipe once add_note returned."""
    store = Store(Path(directory))
    number = 0
    while True:
        note = store.add_note("T-1", "loop", f"note {os.getpid()} {number}")
        os.write(confirmed, (note.text + "\n").encode())
        store.cycle_field("T-2", "status", STATUSES, "loop")
        store.set_step("T-3", "cancellation", "ask", number % 2 == 0, "loop")
        number += 1


def test_fifty_kills_at_random_moments_lose_no_confirmed_note(small_store: Store) -> None:
    chance = random.Random(4)
    confirmed: set[str] = set()
    for _round in range(50):
        reader, writer = os.pipe()
        process = FORK.Process(target=_write_forever, args=(str(small_store.directory), writer))
        process.start()
        os.close(writer)
        # Killed at a random moment of its writing, not of its start-up: once its first note is confirmed
        # (a loaded machine may take longer than the whole pause to get it that far).
        assert select.select([reader], [], [], 60)[0], "the writer confirmed nothing within 60 s"
        time.sleep(chance.uniform(0, 0.1))
        os.kill(process.pid, signal.SIGKILL)
        process.join()
        with os.fdopen(reader, "rb") as pipe:
            confirmed.update(line.decode() for line in pipe.read().splitlines())
        store = Store(small_store.directory)  # always loads
        assert check(store).ok, check(store).problems
        stored = {note.text for note in store.notes("T-1")}
        assert confirmed <= stored
        assert store.complaint("T-2").status in STATUSES
    assert len(confirmed) >= 50  # at least one note a round
    # The next change of each file clears what was left over. (It was a set_field to "open": when the last
    # kill had left T-2 open, that changed nothing, wrote nothing, and an inbox file behind its shard stayed.)
    small_store.cycle_field("T-2", "status", STATUSES, "anna")
    small_store.add_note("T-1", "anna", "after the kills")
    report = check(small_store)
    assert report.ok and report.notices == []
    assert not [path for path in small_store.directory.rglob("*.tmp")]
