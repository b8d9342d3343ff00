"""How soon a mail delivered into a watched Maildir shows in an open inbox (the README says within 2 s).

`agent-console import --watch MAILDIR` runs in the background; the TUI runs in tmux at 80×24 on the same desk
(`--size` complaints seeded first). Each of `--mails` mails is delivered as an MDA does (tmp/, then renamed
into new/), and two times are taken from the rename:

- imported: the watcher has stored it (the desk knows its Message-ID) — the baseline, measured in the same run;
- shown: its subject is on the tmux screen.

Both are polled every 20 ms, so each is up to 20 ms late.

    python benchmarks/mail_arrival.py [--mails 10] [--size 1000]
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
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.store import Store  # noqa: E402 (after the path above)

POLL = 0.02
TIMEOUT = 60.0


def raw_mail(number: int) -> bytes:
    return (
        f"From: Customer {number} <c{number}@example.com>\nSubject: Arrival {number:04d}\n"
        f"Date: {format_datetime(datetime.now(UTC))}\nMessage-ID: <arrival-{number}@example.com>\n"
        f"Content-Type: text/plain; charset=utf-8\n\nThe parcel {number} never came.\n"
    ).encode("ascii")


def deliver(maildir: Path, number: int) -> None:
    name = f"{time.time():.6f}.{number}.bench"
    (maildir / "tmp" / name).write_bytes(raw_mail(number))
    os.rename(maildir / "tmp" / name, maildir / "new" / name)


def wait(condition: Callable[[], bool]) -> float:
    """Seconds until `condition` holds (polled every POLL)."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > TIMEOUT:
            raise SystemExit(f"not within {TIMEOUT:.0f} s")
        time.sleep(POLL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=10)
    parser.add_argument("--size", type=int, default=1000)
    options = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed")
    folder = Path(tempfile.mkdtemp(prefix="mail-arrival-"))
    socket = f"mail-arrival-{uuid.uuid4().hex[:12]}"
    python = [sys.executable, "-m", "console", "--data-dir", str(folder / "desk")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANGUAGE": "en", "LC_ALL": "C.UTF-8"}
    watcher = None
    try:
        subprocess.run([*python, "seed", "--count", str(options.size)], env=env, check=True, capture_output=True)
        maildir = folder / "Maildir"
        for part in ("cur", "new", "tmp"):
            (maildir / part).mkdir(parents=True)
        silent = subprocess.DEVNULL
        watcher = subprocess.Popen([*python, "import", "--watch", str(maildir)], env=env, stdout=silent, stderr=silent)
        command = " ".join([*python, "--lang", "en", "--agent", "bench"])
        tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
        terminal = ["-eTERM=xterm-256color", "-eLANG=C.UTF-8", "-eCOLUMNS=0", "-eLINES=0", f"-ePYTHONPATH={ROOT}"]
        subprocess.run([*tmux, "new-session", "-d", "-x", "80", "-y", "24", *terminal, command], check=True)

        def screen() -> str:
            return subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True, text=True).stdout

        wait(lambda: "All" in screen())
        imported, shown = [], []
        for number in range(1, options.mails + 1):
            deliver(maildir, number)
            start = time.perf_counter()
            known = f"arrival-{number}@example.com"
            wait(lambda: bool(Store(folder / "desk").known_message_ids([known])))  # noqa: B023 (used at once)
            imported.append(time.perf_counter() - start)
            subject = f"Arrival {number:04d}"
            wait(lambda: subject in screen())  # noqa: B023
            shown.append(time.perf_counter() - start)
            time.sleep(0.5)  # arrivals apart, as mail comes
        for name, figures in (("imported by the watcher", imported), ("shown in the open inbox", shown)):
            print(f"{name:<26} median {statistics.median(figures):5.2f} s   max {max(figures):5.2f} s")
        ratio = statistics.median(shown) / statistics.median(imported)
        print(f"shown / imported (medians): {ratio:.1f}×; {sum(s <= 2.0 for s in shown)} of {len(shown)} within 2 s")
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
        if watcher is not None:
            watcher.terminate()
            watcher.wait(timeout=TIMEOUT)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
