"""A reply at 1k and at 100k complaints: its cost must not grow with the desk.

For each size a desk is seeded (`agent-console seed`'s generator). Then, in the same run:

- a first reply in-process (the replies log appended and the shard written with `first_response_at`, one
  journaled transaction), each sample on another complaint; and a later reply (the log only);
- `agent-console reply` as a command, samples alternating between the two sizes: the ratio of medians is
  the figure to quote;
- the overdue rows of the whole desk (`views.overdue_rows`, the Overdue view, its count and `overdue`).

    python benchmarks/replies.py [--sizes 1000,100000] [--runs 30]
"""

from __future__ import annotations

import argparse
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


def median_ms(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--runs", type=int, default=30)
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    playbooks = load_playbooks()
    scratch = Path(tempfile.mkdtemp(prefix="agent-console-bench-"))
    desks: dict[int, Path] = {}
    first: dict[int, float] = {}
    try:
        print(f"{'complaints':>10} {'first reply ms':>15} {'later reply ms':>15} {'overdue rows ms':>16}")
        for size in sizes:
            directory = desks[size] = scratch / f"desk-{size}"
            seed_store(Store(directory), size, 1, playbooks)
            store = Store(directory)
            fresh = ids(1)
            first[size] = median_ms(
                lambda store=store, fresh=fresh: store.add_reply(next(fresh), "We are sorry.", "en", "bench"),
                arguments.runs,
            )
            later = median_ms(lambda store=store: store.add_reply("S-000001", "More.", "en", "bench"), arguments.runs)
            index = store.inbox()
            now = utc_now()
            overdue = median_ms(lambda index=index, now=now: overdue_rows(index, now), max(5, arguments.runs // 3))
            print(f"{size:>10} {first[size]:>15.2f} {later:>15.2f} {overdue:>16.1f}")
        small, large = min(sizes), max(sizes)
        print(f"first reply in-process: {first[large] / first[small]:.2f}x at {large} against {small}")
        samples: dict[int, list[float]] = {small: [], large: []}
        fresh_of = {small: ids(arguments.runs + 1), large: ids(arguments.runs + 1)}
        for _ in range(max(5, arguments.runs // 3)):
            for size in (small, large):
                samples[size].append(cli_reply_ms(desks[size], next(fresh_of[size])))
        small_ms, large_ms = statistics.median(samples[small]), statistics.median(samples[large])
        print(
            f"agent-console reply: {small_ms:.0f} ms at {small}, {large_ms:.0f} ms at {large}: "
            f"{large_ms / small_ms:.2f}x (median of {len(samples[small])}, alternating)"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
