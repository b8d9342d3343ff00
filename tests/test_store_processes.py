"""Several processes at once, and processes killed with SIGKILL at random moments."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

from console.store import STATUSES, Store
from console.store.integrity import check

FORK = multiprocessing.get_context("fork")


def _add_notes(directory: str, author: str, count: int) -> None:
    store = Store(Path(directory))
    for number in range(count):
        store.add_note(f"T-{number % 3 + 1}", author, f"{author} note {number}")


def test_eight_processes_adding_200_notes_each_leave_exactly_1600(small_store: Store) -> None:
    workers = [FORK.Process(target=_add_notes, args=(str(small_store.directory), f"agent{n}", 200)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    notes = [note for number in (1, 2, 3) for note in Store(small_store.directory).notes(f"T-{number}")]
    assert len(notes) == 1600
    assert sorted(note.text for note in notes) == sorted(f"agent{n} note {i}" for n in range(8) for i in range(200))
    assert all(note.author == note.text.split()[0] for note in notes)
    report = check(small_store)
    assert report.ok and report.notes == 1600


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
        time.sleep(chance.uniform(0.01, 0.12))
        os.kill(process.pid, signal.SIGKILL)
        process.join()
        with os.fdopen(reader, "rb") as pipe:
            confirmed.update(line.decode() for line in pipe.read().splitlines())
        store = Store(small_store.directory)  # always loads
        assert check(store).ok, check(store).problems
        stored = {note.text for note in store.notes("T-1")}
        assert confirmed <= stored
        assert store.complaint("T-2").status in STATUSES
    assert len(confirmed) > 50
    # The next change of each file clears what was left over. (It was a set_field to "open": when the last
    # kill had left T-2 open, that changed nothing, wrote nothing, and an inbox file behind its shard stayed.)
    small_store.cycle_field("T-2", "status", STATUSES, "anna")
    small_store.add_note("T-1", "anna", "after the kills")
    report = check(small_store)
    assert report.ok and report.notices == []
    assert not [path for path in small_store.directory.rglob("*.tmp")]
