"""The Message-ID index at a big desk: what an import of mail pays to learn which of its messages the desk
knows already (`Store.known_message_ids`, one call per batch).

A desk of `--size` complaints is filled by `Store.add_mail`, `--batch` at a call (every complaint with its
Message-ID, so the index holds them all). Then, in the same run:

- `known_message_ids` for `--batch` ids (half of them known, half new), in a fresh Store (every index file
  read and parsed: an import's first batch) and again in the same Store (the files' stat unchanged: a later
  batch);
- the baselines: the same lookups in a plain dict of every Message-ID (what nothing on disk could beat), and
  `add_mail` of `--batch` new complaints in one call (the work the lookup decides about).

    python benchmarks/mail_ids.py [--size 100000] [--batch 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.store import Complaint, Store

START = datetime(2026, 1, 1, tzinfo=UTC)


def mail(number: int) -> Complaint:
    return Complaint(
        id=f"M-{number:07d}", received=START + timedelta(minutes=number), customer_name=f"Customer {number}",
        customer_email=f"c{number}@example.com", channel="email", language="en", subject=f"Order {number}",
        body="The parcel never came.", message_id=f"{number:07d}.{number * 7919 % 100003}@mail.example.com",
    )  # fmt: skip


def median_ms(action: Callable[[], object], runs: int) -> float:
    taken = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        taken.append((time.perf_counter() - start) * 1000)
    return statistics.median(taken)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    size, batch = arguments.size, arguments.batch
    scratch = Path(tempfile.mkdtemp(prefix="agent-console-bench-"))
    try:
        desk = scratch / "desk"
        store = Store(desk)
        start = time.perf_counter()
        for first in range(0, size, batch):
            store.add_mail([mail(number) for number in range(first, min(first + batch, size))], [])
        print(f"desk of {size} mail complaints filled in {time.perf_counter() - start:.1f} s")

        wanted = [mail(number).message_id for number in range(size - batch // 2, size + batch - batch // 2)]
        known = {mail(number).message_id: mail(number).id for number in range(size)}
        expected = {message_id: known[message_id] for message_id in wanted if message_id in known}
        assert Store(desk).known_message_ids(wanted) == expected

        cold = median_ms(lambda: Store(desk).known_message_ids(wanted), arguments.runs)
        warm_store = Store(desk)
        warm_store.known_message_ids(wanted)
        warm = median_ms(lambda: warm_store.known_message_ids(wanted), arguments.runs)
        in_memory = median_ms(lambda: {i: known[i] for i in wanted if i in known}, arguments.runs)
        fresh = [mail(number) for number in range(size + batch, size + 2 * batch)]
        start = time.perf_counter()
        store.add_mail(fresh, [])
        adding = (time.perf_counter() - start) * 1000

        print(f"known_message_ids of {batch} ids ({len(expected)} known) at {size} complaints:")
        print(f"  first batch (index files read):  {cold:8.1f} ms")
        print(f"  later batch (files unchanged):   {warm:8.1f} ms")
        print(f"  baseline, a dict in memory:      {in_memory:8.1f} ms   first {cold / in_memory:.0f}x, "
              f"later {warm / in_memory:.1f}x")  # fmt: skip
        print(f"  baseline, add_mail of {batch} new: {adding:8.1f} ms   first {cold / adding:.3f}x, "
              f"later {warm / adding:.4f}x")  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
