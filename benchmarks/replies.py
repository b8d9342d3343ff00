"""A reply at 1k and at 100k complaints: its cost must not grow with the desk.

For each size a desk is seeded (`agent-console seed`'s generator). Then, in the same run:

- a first reply in-process (the replies log appended and the shard written with `first_response_at`, one
  journaled transaction), each sample on another complaint; and a later reply (the log only); samples
  alternate between the sizes, after the seeding's writes are synced;
- `agent-console reply` as a command, samples alternating between the two sizes: the ratio of medians is
  the figure to quote;
- the overdue rows of the whole desk (`views.overdue_rows`, the Overdue view, its count and `overdue`).

    python benchmarks/replies.py [--sizes 1000,100000] [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.playbooks import load_playbooks
from console.seeding import seed_store
from console.store import Store
from console.store.records import utc_now
from console.views import overdue_rows


def cli_reply_ms(directory: Path, complaint_id: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "reply",
            complaint_id,
            "Thank you, we are on it.",
            "--data-dir",
            str(directory),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return (time.perf_counter() - start) * 1000


def ids(start: int) -> Iterator[str]:
    number = start
    while True:
        yield f"S-{number:06d}"
        number += 1


def alternating_ms(actions: dict[int, Callable[[], object]], runs: int) -> dict[int, float]:
    """The median of each action, samples taken in turn (a disk busy for one size is busy for all)."""
    samples: dict[int, list[float]] = {size: [] for size in actions}
    for _ in range(runs):
        for size, action in actions.items():
            start = time.perf_counter()
            action()
            samples[size].append((time.perf_counter() - start) * 1000)
    return {size: statistics.median(taken) for size, taken in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--runs", type=int, default=30)
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    playbooks = load_playbooks()
    scratch = Path(tempfile.mkdtemp(prefix="agent-console-bench-"))
    try:
        desks = {size: scratch / f"desk-{size}" for size in sizes}
        for size, directory in desks.items():
            seed_store(Store(directory), size, 1, playbooks)
        os.sync()  # the seeding's writes on disk: an fsync of a reply does not pay for them
        stores = {size: Store(directory) for size, directory in desks.items()}
        fresh = {size: ids(1) for size in sizes}
        first = alternating_ms(
            {size: lambda s=store, f=fresh[size]: s.add_reply(next(f), "We are sorry.", "en", "bench")
             for size, store in stores.items()},
            arguments.runs,
        )  # fmt: skip
        later = alternating_ms(
            {size: lambda s=store: s.add_reply("S-000001", "More.", "en", "bench") for size, store in stores.items()},
            arguments.runs,
        )
        now = utc_now()
        indexes = {size: store.inbox() for size, store in stores.items()}
        overdue = alternating_ms(
            {size: lambda index=index: overdue_rows(index, now) for size, index in indexes.items()},
            max(5, arguments.runs // 3),
        )
        print(f"{'complaints':>10} {'first reply ms':>15} {'later reply ms':>15} {'overdue rows ms':>16}")
        for size in sizes:
            print(f"{size:>10} {first[size]:>15.2f} {later[size]:>15.2f} {overdue[size]:>16.1f}")
        small, large = min(sizes), max(sizes)
        print(
            f"first reply in-process: {first[large] / first[small]:.2f}x, later reply: "
            f"{later[large] / later[small]:.2f}x at {large} against {small} (medians of {arguments.runs}, alternating)"
        )
        samples: dict[int, list[float]] = {small: [], large: []}
        for _ in range(max(5, arguments.runs // 3)):
            for size in (small, large):
                samples[size].append(cli_reply_ms(desks[size], next(fresh[size])))
        small_ms, large_ms = statistics.median(samples[small]), statistics.median(samples[large])
        print(
            f"agent-console reply: {small_ms:.0f} ms at {small}, {large_ms:.0f} ms at {large}: "
            f"{large_ms / small_ms:.2f}x (median of {len(samples[small])}, alternating)"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
