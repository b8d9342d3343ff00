"""Imports and the lock: what a big import costs, the same file again, and what others wait meanwhile.

A file of N synthetic complaints (`seed`'s generator, JSON Lines) is imported with `agent-console import`
into a fresh desk, then imported again (it adds nothing; measured against the first, in the same run).
Then, on another fresh desk that holds one complaint, the same import runs in the background (first, then
again) while a second process adds notes (`agent-console note`) one after another: how long each note
took, from its start to its answer, and how many failed (on the lock: after 10 s).

    python benchmarks/importing.py [--count 20000] [--source DIR]

`--source DIR` runs the commands from another checkout (the code before a change), for a before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.playbooks import load_playbooks  # noqa: E402 (after the path is set)
from console.seeding import synthetic  # noqa: E402


def write_file(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as file:
        for complaint, _notes in synthetic(count, 7, load_playbooks()):
            record = {name: getattr(complaint, name) for name in complaint._fields if name not in ("ticks", "status")}
            record["received"] = complaint.received.isoformat()
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


def command(source: Path, directory: Path, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "console", *arguments, "--data-dir", str(directory)]


def environment(source: Path) -> dict[str, str]:
    """`python -m` puts the working directory first on the path: the commands run in `source`."""
    return {**os.environ, "PYTHONPATH": str(source), "LANGUAGE": "en"}


def timed(source: Path, directory: Path, *arguments: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        command(source, directory, *arguments),
        env=environment(source),
        cwd=source,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def notes_during_import(source: Path, directory: Path, data: Path) -> tuple[list[float], int, float]:
    """Notes added one after another while `data` is imported: their times, how many failed, the import's."""
    start = time.perf_counter()
    importer = subprocess.Popen(
        command(source, directory, "import", str(data)), env=environment(source), cwd=source, stdout=subprocess.DEVNULL
    )
    times: list[float] = []
    failed = 0
    while importer.poll() is None:
        began = time.perf_counter()
        result = subprocess.run(
            command(source, directory, "note", "F-1", "during", "the", "import"),
            env=environment(source),
            cwd=source,
            capture_output=True,
            check=False,
        )
        times.append(time.perf_counter() - began)
        failed += result.returncode != 0
    importer.wait()
    return times, failed, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose code runs the commands")
    arguments = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="agent-console-bench-"))
    try:
        data = scratch / "complaints.jsonl"
        write_file(data, arguments.count)
        first = scratch / "first.jsonl"
        first.write_text(
            json.dumps({"id": "F-1", "received": "2026-11-20T08:00:00Z", "customer_name": "F", "channel": "email",
                        "customer_email": "f@example.com", "language": "en", "subject": "s", "body": "b"}) + "\n",
            encoding="utf-8",
        )  # fmt: skip
        desk = scratch / "desk"
        once = timed(arguments.source, desk, "import", str(data))
        again = timed(arguments.source, desk, "import", str(data))
        print(f"import of {arguments.count} complaints: first {once:.2f} s, again (adds nothing) {again:.2f} s: "
              f"{again / once:.2f}x the first")  # fmt: skip
        shared = scratch / "shared"
        subprocess.run(command(arguments.source, shared, "import", str(first)), env=environment(arguments.source),
                       cwd=arguments.source, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        for which in ("first", "again"):
            times, failed, took = notes_during_import(arguments.source, shared, data)
            if times:
                print(f"notes during an import ({which}) of {took:.1f} s: {len(times)} tried, {failed} failed, "
                      f"median {statistics.median(times):.2f} s, longest {max(times):.2f} s")  # fmt: skip
            else:
                print(f"notes during an import ({which}) of {took:.1f} s: none tried (the import was over first)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
