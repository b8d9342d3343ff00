"""Storage at 1k, 10k and 100k complaints: the sharded store against the single-file layout it replaced.

For each size a desk is seeded (`agent-console seed`'s generator: notes, ticks, four languages) and the
same complaints are also written as one TinyDB JSON file, the way the first release stored them. Then,
in the same run:

- adding a note in-process: the sharded store, and stock TinyDB on the single file (read, insert, rewrite);
- changing a status in-process (a shard and its inbox file are rewritten);
- loading what the inbox needs with a fresh Store (what a new process does first);
- `agent-console note` as a command, at 1k and at 100k, samples alternating; the ratio of medians is the
  figure to quote;
- a status change with `agent-console set` on a complaint whose shard holds 20k history entries and on
  one whose shard holds none (same desk, same shard size), alternating: history is an append-only log,
  so the ratio should be about 1; and the same in-process.

    python benchmarks/storage.py [--sizes 1000,10000,100000] [--runs 30] [--history 20000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinydb import TinyDB

from console.playbooks import load_playbooks
from console.seeding import seed_store
from console.store import Change, Store
from console.store.records import utc_now


def median_ms(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def single_file(store: Store, path: Path) -> None:
    """The desk as the first release kept it: every table in one JSON file."""
    complaints = {}
    for number, complaint in enumerate(store.complaints(), 1):
        document = {k: v for k, v in complaint._asdict().items() if k != "ticks"}
        document["received"] = complaint.received.isoformat()
        document["ticks"] = {k: {**t._asdict(), "at": t.at.isoformat()} for k, t in complaint.ticks.items()}
        complaints[str(number)] = document
    notes = {}
    for grouped in store.notes_by_complaint().values():
        for note in grouped:
            notes[str(len(notes) + 1)] = {**note._asdict(), "at": note.at.isoformat()}
    data = {"meta": {"1": {"schema": 1}}, "complaints": complaints, "notes": notes, "history": {}}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def cli_note_ms(directory: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "console", "note", "S-000001", "benchmark", "--data-dir", str(directory)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return (time.perf_counter() - start) * 1000


def cli_set_ms(directory: Path, complaint_id: str, status: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "console", "set", complaint_id, "--status", status, "--data-dir", str(directory)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return (time.perf_counter() - start) * 1000


def history_ratio(scratch: Path, entries: int, runs: int) -> None:
    """A status change beside `entries` history entries against the same change beside none."""
    playbooks = load_playbooks()
    directory = scratch / "desk-history"
    store = Store(directory)
    seed_store(store, 512, 2, playbooks)  # two full shards: S-000001 in the first, S-000300 in the second
    now = utc_now()
    store.add_history(
        Change("S-000002", "status", "open", "waiting", "bench", now) for _ in range(entries)
    )  # all on the first shard
    full, empty = "S-000001", "S-000300"
    for complaint_id in (full, empty):
        store.set_field(complaint_id, "status", "open", "bench")
    samples: dict[str, list[float]] = {full: [], empty: []}
    for run in range(max(5, runs // 2)):
        status = ("waiting", "open")[run % 2]
        for complaint_id in (full, empty):
            samples[complaint_id].append(cli_set_ms(directory, complaint_id, status))
    with_ms, without_ms = statistics.median(samples[full]), statistics.median(samples[empty])
    print(
        f"agent-console set --status: {with_ms:.0f} ms beside {entries} history entries, {without_ms:.0f} ms beside "
        f"none: {with_ms / without_ms:.2f}x (median of {len(samples[full])}, alternating)"
    )
    statuses = ("open", "waiting")
    in_process: dict[str, list[float]] = {full: [], empty: []}
    for _ in range(runs):
        for complaint_id in (full, empty):
            in_process[complaint_id].append(
                median_ms(lambda c=complaint_id: store.cycle_field(c, "status", statuses, "bench"), 1)
            )
    with_ms, without_ms = statistics.median(in_process[full]), statistics.median(in_process[empty])
    print(
        f"in-process status change: {with_ms:.2f} ms beside {entries} history entries, {without_ms:.2f} ms beside "
        f"none: {with_ms / without_ms:.2f}x (median of {runs}, alternating)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--history", type=int, default=20_000, metavar="N", help="history entries beside a change")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    playbooks = load_playbooks()
    scratch = Path(tempfile.mkdtemp(prefix="agent-console-bench-"))
    desks: dict[int, Path] = {}
    try:
        print(f"{'complaints':>10} {'seed s':>7} {'note ms':>8} {'1-file note ms':>15} {'status ms':>10} "
              f"{'inbox ms':>9} {'1-file load ms':>15} {'disk MB':>8}")  # fmt: skip
        for size in sizes:
            directory = desks[size] = scratch / f"desk-{size}"
            start = time.perf_counter()
            seed_store(Store(directory), size, 1, playbooks)
            seeded = time.perf_counter() - start
            store = Store(directory)
            note = median_ms(lambda store=store: store.add_note("S-000001", "bench", "a note"), arguments.runs)
            status = median_ms(
                lambda store=store: store.cycle_field("S-000002", "status", ("open", "waiting"), "bench"),
                arguments.runs,
            )
            inbox = median_ms(lambda directory=directory: Store(directory).inbox(), max(3, arguments.runs // 5))
            old = scratch / f"single-{size}.json"
            single_file(store, old)
            baseline_runs = 3 if size >= 50_000 else 10

            def old_note(old: Path = old) -> None:
                with TinyDB(old) as db:
                    db.table("notes").insert({"complaint_id": "S-000001", "author": "bench", "text": "a note"})

            old_note_ms = median_ms(old_note, baseline_runs)
            old_load = median_ms(lambda old=old: json.loads(old.read_bytes()), baseline_runs)
            disk = sum(path.stat().st_size for path in directory.rglob("*") if path.is_file()) / 1e6
            print(f"{size:>10} {seeded:>7.1f} {note:>8.2f} {old_note_ms:>15.1f} {status:>10.2f} "
                  f"{inbox:>9.1f} {old_load:>15.1f} {disk:>8.1f}")  # fmt: skip
        small, large = min(sizes), max(sizes)
        samples: dict[int, list[float]] = {small: [], large: []}
        for _ in range(max(5, arguments.runs // 3)):
            for size in (small, large):
                samples[size].append(cli_note_ms(desks[size]))
        small_ms, large_ms = statistics.median(samples[small]), statistics.median(samples[large])
        print(
            f"agent-console note: {small_ms:.0f} ms at {small}, {large_ms:.0f} ms at {large}: "
            f"{large_ms / small_ms:.2f}x (median of {len(samples[small])}, alternating)"
        )
        history_ratio(scratch, arguments.history, arguments.runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
