"""Importing a mailbox against what Python takes just to parse it, in the same run.

An mbox of N messages is written (the demo complaints' texts in their charsets: ISO-8859-15 Finnish,
Windows-1250 Croatian, Windows-1257 Estonian, UTF-8 English; every seventh HTML only, every fifth a reply to
an earlier one, one in a hundred with an attachment). Then, each in a process of its own:
  (a) parse only: `mailbox.mbox` and `email` with the default policy read every message and its body;
  (b) `agent-console import` of it into an empty desk;
  (c) the same import again (it adds nothing).
Targets (issue 14): (b) at most 1.5 × (a); (c) no slower than (b). The machine's load moves every figure, so
the runs alternate: each run times (a), (b) and (c) back to back (every other run (b) and (c) first), and the
ratios are taken run by run, each against its own run's (a), then their median. Beside the wall time each
process's CPU time (user + system, from `getrusage` of the children) gives a ratio the load moves less; the
load average is printed with each run. Then `import --watch` runs on a Maildir
that receives `--deliveries` mails one at a time: how long each took from its delivery to being in the desk
(median and max; the open TUIs show it at their next poll, 1.5 s). (b) is also timed in-process with the
store's share apart (`Store.add_mail`, and how many fsyncs it made).

    python benchmarks/mail_import.py [--count 10000] [--runs 5] [--deliveries 20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import base64
import json
import mailbox
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
CHARSETS = {"fi": "iso-8859-15", "hr": "windows-1250", "et": "windows-1257", "en": "utf-8"}
PARSE_ONLY = """
import email, mailbox, sys
from email import policy
box = mailbox.mbox(sys.argv[1], create=False)
count = 0
for key in box.iterkeys():
    message = email.message_from_bytes(box.get_bytes(key), policy=policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        body.get_content()
    count += 1
print(count)
"""


def _texts() -> list[tuple[str, str, str, str]]:
    records = json.loads((ROOT / "data" / "demo" / "complaints.json").read_text("utf-8"))
    return [(r["customer_name"], r["language"], r["subject"], r["body"]) for r in records]


def _charset(wanted: str, *texts: str) -> str:
    """The language's legacy charset where it holds every letter (a dash or a quote may not fit), else UTF-8."""
    try:
        for text in texts:
            text.encode(wanted)
    except UnicodeEncodeError:
        return "utf-8"
    return wanted


def _message(
    number: int, rng: random.Random, texts: list[tuple[str, str, str, str]], when: datetime, roots: list[int]
) -> bytes:
    """Message `number`; `roots` learns which message started its thread (a reply comes from that customer)."""
    name, language, subject, body = texts[number % len(texts)]
    charset = _charset(CHARSETS[language], name, subject, body)
    parent = rng.randrange(0, number - 1) if number % 5 == 4 and number > 10 else None
    roots.append(number if parent is None else roots[parent])
    sender = roots[number]
    headers = [
        f"From: {Header(name, charset).encode()} <customer{sender}@example.com>",
        f"Subject: {Header(f'{subject} #{number}', charset).encode()}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <bench-{number}@example.com>",
        "MIME-Version: 1.0",
    ]
    if parent is not None:
        headers += [f"In-Reply-To: <bench-{parent}@example.com>", f"References: <bench-{parent}@example.com>"]
    encoded_body = body.encode(charset)
    if number % 7 == 3:
        html = "<html><body>" + "".join(f"<p>{line}</p>" for line in body.split("\n") if line) + "</body></html>"
        part = f"Content-Type: text/html; charset={charset}\nContent-Transfer-Encoding: 8bit\n\n".encode()
        part += html.encode(charset)
    else:
        part = f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit\n\n".encode()
        part += encoded_body
    if number % 100 == 50:
        attachment = base64.encodebytes(rng.randbytes(3000))
        headers.append('Content-Type: multipart/mixed; boundary="b"')
        return (
            "\n".join(headers).encode()
            + b"\n\n--b\n"
            + part
            + b'\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="receipt.pdf"\n'
            + b"Content-Transfer-Encoding: base64\n\n"
            + attachment
            + b"--b--\n"
        )
    return "\n".join(headers).encode() + b"\n" + part + b"\n"


def write_mbox(path: Path, count: int) -> None:
    rng = random.Random(14)
    texts = _texts()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    roots: list[int] = []
    with path.open("wb") as file:
        for number in range(count):
            when = start + timedelta(minutes=3 * number)
            file.write(f"From customer{number}@example.com {when.strftime('%a %b %d %H:%M:%S %Y')}\n".encode())
            for line in _message(number, rng, texts, when, roots).splitlines(keepends=True):
                file.write(b">" + line if line.startswith(b"From ") else line)
            file.write(b"\n")


class Timing(NamedTuple):
    wall: float
    cpu: float
    """User and system seconds of the process (and any it started)."""
    output: str


def timed(*command: str) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LANGUAGE": "en"},
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Timing(wall, cpu, done.stdout.strip())


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def watch_latency(folder: Path, deliveries: int) -> list[float]:
    """Seconds from each delivery into a watched Maildir to its Message-ID being known to the desk."""
    sys.path.insert(0, str(ROOT))
    from console.store import Store

    box_path, desk = folder / "Maildir", folder / "watch-desk"
    box = mailbox.Maildir(box_path, create=True)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "console", "import", "--watch", str(box_path), "--data-dir", str(desk)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LANGUAGE": "en"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    latencies = []
    try:
        assert watcher.stdout is not None and watcher.stdout.readline().startswith("Watching")
        rng, texts = random.Random(5), _texts()
        roots: list[int] = []
        for number in range(deliveries):
            raw = _message(number, rng, texts, datetime.now(UTC), roots).replace(b"bench-", b"watch-")
            time.sleep(0.3)  # deliveries spaced out, as mail comes
            start = time.perf_counter()
            box.add(raw)
            wanted = f"watch-{number}@example.com"
            while not (desk.exists() and Store(desk).known_message_ids([wanted])):
                time.sleep(0.005)
            latencies.append(time.perf_counter() - start)
    finally:
        watcher.terminate()
        watcher.wait(30)
    return latencies


def split(mbox: Path, desk: Path) -> tuple[float, float, int]:
    """(b) in this process, its seconds apart: storing (`Store.add_mail`, of which fsyncs are counted) and all
    the rest (reading, parsing, deciding)."""
    sys.path.insert(0, str(ROOT))
    from console.mail_import import MailImporter
    from console.mail_reader import raw_messages
    from console.store import Store

    stored, syncs = [0.0], [0]
    add_mail, fsync = Store.add_mail, os.fsync

    def timed_add_mail(self: Store, *arguments: object, **options: object) -> object:
        start = time.perf_counter()
        try:
            return add_mail(self, *arguments, **options)  # type: ignore[arg-type]
        finally:
            stored[0] += time.perf_counter() - start

    def counted_fsync(descriptor: int) -> None:
        syncs[0] += 1
        fsync(descriptor)

    Store.add_mail = timed_add_mail  # type: ignore[assignment,method-assign]
    os.fsync = counted_fsync
    try:
        start = time.perf_counter()
        MailImporter(Store(desk), "complaint").import_messages(raw_messages(mbox))
        total = time.perf_counter() - start
    finally:
        Store.add_mail, os.fsync = add_mail, fsync  # type: ignore[method-assign]
    return total - stored[0], stored[0], syncs[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of (a), (b) and (c); their medians are shown")
    parser.add_argument("--deliveries", type=int, default=20, help="mails delivered to the watched Maildir")
    parser.add_argument("--keep", type=Path, help="write the mbox and desks here and keep them")
    arguments = parser.parse_args()
    folder = arguments.keep or Path(tempfile.mkdtemp(prefix="mail-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    mbox = folder / "bench.mbox"
    write_mbox(mbox, arguments.count)
    print(f"{arguments.count} messages, {mbox.stat().st_size / 1e6:.1f} MB")
    print(load())
    runs: list[tuple[Timing, Timing, Timing]] = []
    for run in range(arguments.runs):
        desk = folder / f"desk-{run}"
        importing = ("-m", "console", "import", str(mbox), "--data-dir", str(desk))
        if run % 2 == 0:
            parse, first, again = timed("-c", PARSE_ONLY, str(mbox)), timed(*importing), timed(*importing)
        else:
            first, again = timed(*importing), timed(*importing)
            parse = timed("-c", PARSE_ONLY, str(mbox))
        assert int(parse.output) == arguments.count, parse.output
        runs.append((parse, first, again))
        print(f"run {run + 1} ({load()}): {first.output}\n       again: {again.output}")
        print(
            f"       wall: (a) {parse.wall:.2f} s  (b) {first.wall:.2f} s = {first.wall / parse.wall:.2f} x (a)"
            f"  (c) {again.wall:.2f} s = {again.wall / first.wall:.2f} x (b)"
        )
        print(
            f"       cpu:  (a) {parse.cpu:.2f} s  (b) {first.cpu:.2f} s = {first.cpu / parse.cpu:.2f} x (a)"
            f"  (c) {again.cpu:.2f} s = {again.cpu / first.cpu:.2f} x (b)"
        )
    print(f"medians of {arguments.runs} runs (ratios run by run, each against its own run's figures):")
    for kind in ("wall", "cpu"):
        a, b, c = (statistics.median(getattr(timing[n], kind) for timing in runs) for n in range(3))
        b_ratios = sorted(getattr(r[1], kind) / getattr(r[0], kind) for r in runs)
        c_ratios = sorted(getattr(r[2], kind) / getattr(r[1], kind) for r in runs)
        print(f"  {kind:4}  (a) parse only (mailbox + email, default policy): {a:.2f} s")
        print(
            f"        (b) agent-console import into an empty desk:      {b:.2f} s;  (b)/(a) median"
            f" {statistics.median(b_ratios):.2f} (best {b_ratios[0]:.2f}, worst {b_ratios[-1]:.2f}; target <= 1.5)"
        )
        print(
            f"        (c) the same import again:                        {c:.2f} s;  (c)/(b) median"
            f" {statistics.median(c_ratios):.2f} (worst {c_ratios[-1]:.2f}; target <= 1)"
        )
    reading, storing, syncs = split(mbox, folder / "split-desk")
    print(f"    (b) in-process, apart: reading and deciding {reading:.2f} s, storing {storing:.2f} s ({syncs} fsyncs)")
    if arguments.deliveries:
        latencies = watch_latency(folder, arguments.deliveries)
        print(
            f"import --watch, delivery to desk: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms ({len(latencies)} mails)"
        )
    print(load())


if __name__ == "__main__":
    main()
