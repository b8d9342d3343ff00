"""The inbox at 10k and 100k complaints, against a Textual hello-world measured in the same run.

1. Start-up of the installed wheel, samples alternating with the hello-world: from starting the
   process to its first frame written, to the first frame with rows (from the first page the last
   full load kept), and to the first frame with every row loaded; ratios of the medians. Peak RSS of
   a whole run (loaded, moved, filtered).
2. In-process at 100k (Textual's Pilot, headless, 80×24): j, k and PgDn from key press to the screen
   updated; each keystroke of a filter typed in: to the first frame (id, customer, subject, agent) and to
   the frame once the bodies have been searched too (on a worker), the first search on a desk also making
   the body files (cold); peak RSS.
3. In a real pseudo-terminal at 80×24: the bytes the app writes for one j keypress.
4. In-process at the largest size, while another process holds the desk's lock (as an import or a backup
   does): `s`, then `j` 50 ms later, typed as the terminal's input thread delivers keys; from the j arriving
   to the next frame written (`--locked-only` runs just this, on the first size).

    python benchmarks/inbox.py [--runs 9] [--sizes 10000,100000] [--locked-only]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import resource
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.startup import HELLO, ON_TEXTUAL_IMPORT, headless, install_wheel, sample

FRAME_HOOK = (
    ON_TEXTUAL_IMPORT
    + """
import os, time
def _timed_display(self, screen, renderable):
    _display(self, screen, renderable)
    if renderable is None:
        return
    listing = screen.query("#inbox-list").first() if screen.query("#inbox-list") else None
    if (
        {rows!r} == "first"
        or ({rows!r} == "rows" and listing is not None and listing.count)
        or ({rows!r} == "loaded" and getattr(screen, "model", None) is not None)
    ):
        # CLOCK_MONOTONIC is one clock for every process: the parent compares it with its own.
        os.write(1, f"{{time.monotonic()}}\\n".encode())
        os._exit(0)  # at once: a thread still loading would otherwise hold the exit
def _patch(App):
    global _display
    _display = App._display
    App._display = _timed_display
    _run = App.run
    def _run_headless(self, *args, **kwargs):
        kwargs.update(headless=True)
        return _run(self, *args, **kwargs)
    App.run = _run_headless
"""
)

HELLO_FRAME = (
    FRAME_HOOK.format(rows="first")
    + """
from textual.app import App
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("Hello, world")
Hello().run()
"""
)

DESK_FRAME = (
    FRAME_HOOK
    + """
import sys
from console.cli import main
sys.exit(main(["--data-dir", {desk!r}, "--lang", "en"]))
"""
)


def frame_sample(program: str, env: dict[str, str]) -> float:
    """Seconds from starting a process to the frame its hook waits for."""
    start = time.monotonic()
    # In the scratch directory: `-c` puts the working directory first on sys.path, and in the source tree
    # that would import the source (compiling what changed) instead of the installed wheel.
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=env["PYTHONPATH"], check=False
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"benchmark program failed: {result.stderr[-2000:]}")
    return float(result.stdout.split()[-1]) - start


def seed(directory: Path, count: int) -> None:
    """In a process of its own: this one stays small, so the peak RSS of the processes it starts is theirs."""
    command = [sys.executable, "-m", "console", "seed", "--count", str(count), "--data-dir", str(directory)]
    subprocess.run(command, check=True, capture_output=True)


def startup(desks: dict[int, Path], runs: int, env: dict[str, str]) -> None:
    programs = {"hello-world": HELLO_FRAME}
    for size, desk in desks.items():
        sample(LOADED.format(desk=str(desk)), env)  # a full load keeps the first page for the next start
        programs[f"{size:,} first paint"] = DESK_FRAME.format(rows="first", desk=str(desk))
        programs[f"{size:,} rows shown (kept first page)"] = DESK_FRAME.format(rows="rows", desk=str(desk))
        programs[f"{size:,} every row loaded"] = DESK_FRAME.format(rows="loaded", desk=str(desk))
    for program in programs.values():
        frame_sample(program, env)  # warm the file cache and the bytecode
    samples: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(runs):
        for name, program in programs.items():
            samples[name].append(frame_sample(program, env))
    hello = statistics.median(samples["hello-world"])
    print(f"start-up to the first frame (median of {runs}, alternating)     ms    × hello-world")
    for name, values in samples.items():
        seconds = statistics.median(values)
        print(f"  {name:<40} {seconds * 1000:7.0f} {seconds / hello:8.2f}x")
    memory = {"hello-world": sample(HELLO, env)[1]}
    for size, desk in desks.items():
        memory[f"{size:,} loaded"] = sample(LOADED.format(desk=str(desk)), env)[1]
    print("peak RSS, the whole run        MiB    × hello-world")
    for name, kib in memory.items():
        print(f"  {name:<28} {kib / 1024:6.1f} {kib / memory['hello-world']:8.2f}x")


LOADED = (
    """
async def _loaded_then_exit(pilot):
    while getattr(pilot.app.screen, "model", None) is None:
        await pilot.pause(0.01)
    await pilot.app.workers.wait_for_complete()
    await pilot.press("j", "pagedown", "G", "f", *"status:open refund")
    await pilot.app.workers.wait_for_complete()  # the bodies searched too
    pilot.app.exit()
"""
    + headless("_loaded_then_exit")
    + """
import sys
from console.cli import main
sys.exit(main(["--data-dir", {desk!r}, "--lang", "en"]))
"""
)


async def interactive(desk: Path) -> None:
    from console.app import ConsoleApp
    from console.playbooks import load_playbooks
    from console.store import Store

    app = ConsoleApp(Store(desk), load_playbooks(), "mari", "en")
    async with app.run_test(size=(80, 24)) as pilot:
        while getattr(app.screen, "model", None) is None:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await pilot.pause()

        painted: list[float] = []
        display = app._display

        def recording_display(screen, renderable):  # type: ignore[no-untyped-def]
            display(screen, renderable)
            if renderable is not None:
                painted.append(time.perf_counter())

        app._display = recording_display  # type: ignore[method-assign]

        async def latency(key: str) -> float:
            """From the key event posted to the first frame written after it (Pilot's own waiting aside)."""
            painted.clear()
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            frames = [moment for moment in painted if moment > start]
            return (frames[0] - start) * 1000 if frames else float("nan")

        def bodies_searched() -> bool:
            return not any(found.searching for found in app.screen.model.found.values())

        async def with_bodies(key: str) -> tuple[float, float]:
            """From the key to the first frame, and to the first frame after the bodies were searched."""
            painted.clear()
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            while not bodies_searched():
                await asyncio.sleep(0.002)
            await pilot.pause()  # the frame that shows the last rows found, if not written yet
            first = next((moment for moment in painted if moment > start), float("nan"))
            return (first - start) * 1000, (painted[-1] - start) * 1000 if painted else float("nan")

        def report(label: str, samples: list[tuple[float, float]]) -> None:
            first, done = [sample[0] for sample in samples], [sample[1] for sample in samples]
            print(f"  {label}: first frame median {statistics.median(first):.1f} max {max(first):.1f}; "
                  f"bodies searched median {statistics.median(done):.0f} max {max(done):.0f}")  # fmt: skip

        print("in-process at", f"{len(app.screen.model.index):,}", "complaints, 80×24 (ms from key to frame written)")
        for keys, times in ((("j",), 40), (("k",), 40), (("pagedown",), 20), (("pageup",), 20), (("G", "g"), 10)):
            samples = [await latency(key) for _ in range(times) for key in keys]
            print(f"  {'/'.join(keys):<10} median {statistics.median(samples):6.1f}  max {max(samples):6.1f}")
        await pilot.press("f")
        shutil.rmtree(desk / "cache" / "bodies", ignore_errors=True)
        report("filter 'r', cold (the body files made)", [await with_bodies("r")])
        for text in ("status:open lang:fi refund", "myohassa"):  # typed on: the body searches run meanwhile
            await pilot.press("ctrl+u")
            typed = [await latency(char) for char in text]
            print(f"  filter, per keystroke of {text!r}, typed on: median {statistics.median(typed):.1f}"
                  f"  max {max(typed):.1f}")  # fmt: skip
        await app.workers.wait_for_complete()
        for text in ("status:open lang:fi refund", "myohassa"):  # each key waits for its bodies
            await pilot.press("ctrl+u")
            report(f"filter, per keystroke of {text!r}", [await with_bodies(char) for char in text])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process (desk loaded, rows shown, filtered): {rss:.0f} MiB")


HOLD_LOCK = """
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.read()
lock.release()
"""


async def locked(desk: Path, presses: int = 10) -> None:
    """j right after s while another process holds `.desk.lock`: the change waits, the screen should not."""
    import threading

    from textual import events

    from console.app import ConsoleApp
    from console.cli import TUI_LOCK_TIMEOUT_SECONDS
    from console.playbooks import load_playbooks
    from console.store import Store

    store = Store(desk, lock_timeout=TUI_LOCK_TIMEOUT_SECONDS)  # as the TUI opens it
    app = ConsoleApp(store, load_playbooks(), "mari", "en")
    async with app.run_test(size=(80, 24)) as pilot:
        while getattr(app.screen, "model", None) is None:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await pilot.pause()
        painted: list[float] = []
        display = app._display

        def recording_display(screen, renderable):  # type: ignore[no-untyped-def]
            display(screen, renderable)
            if renderable is not None:
                painted.append(time.perf_counter())

        app._display = recording_display  # type: ignore[method-assign]
        samples = []
        for _ in range(presses):
            holder = subprocess.Popen(
                [sys.executable, "-c", HOLD_LOCK, str(desk / ".desk.lock")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            listing = app.screen.query_one("#inbox-list")
            before = listing.cursor
            sent: list[float] = []

            def typing(sent: list[float]) -> None:  # as the driver's input thread: whatever the loop is doing
                app.post_message(events.Key("s", "s"))
                time.sleep(0.05)
                sent.append(time.perf_counter())
                app.post_message(events.Key("j", "j"))

            painted.clear()
            threading.Thread(target=typing, args=(sent,)).start()
            while not sent or listing.cursor == before:
                await pilot.pause(0.005)
            await pilot.pause()
            frames = [moment for moment in painted if moment > sent[0]]
            samples.append((frames[0] - sent[0]) * 1000 if frames else float("nan"))
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait()
            # The change lands (or, if the lock was held too long, failed): settle before the next sample.
            while getattr(app.screen, "pending_changes", 0) or any(not w.is_finished for w in app.workers):
                await pilot.pause(0.01)
            await pilot.pause()
    print(f"j right after s, another process holding the lock ({presses} times): key to frame median "
          f"{statistics.median(samples):.1f} ms, max {max(samples):.1f} ms")  # fmt: skip


def bytes_per_keypress(desk: Path, env: dict[str, str], presses: int = 60) -> None:
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(env["PYTHONPATH"])  # `-m` imports from the working directory first: the wheel, not the source
        os.execve(
            sys.executable,
            [sys.executable, "-m", "console", "--data-dir", str(desk), "--lang", "en"],
            {**env, "TERM": "xterm-256color", "COLORTERM": ""},
        )
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

    def drain(quiet: float, limit: float = 60.0) -> bytes:
        received = bytearray()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], quiet)
            if not ready:
                break
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            received += chunk
        return bytes(received)

    start = drain(quiet=2.0)
    sizes = []
    for _ in range(presses):
        os.write(fd, b"j")
        sizes.append(len(drain(quiet=0.4)))
    os.write(fd, b"q")
    drain(quiet=1.0, limit=10)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    print(f"bytes written to an 80×24 xterm-256color terminal: first screen {len(start):,}; per j keypress "
          f"median {statistics.median(sizes):,.0f}, mean {statistics.mean(sizes):,.0f}, max {max(sizes):,} "
          f"({presses} presses, scrolling {sum(size > 2048 for size in sizes)} times)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--locked-only", action="store_true", help="only j while the lock is held")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    with tempfile.TemporaryDirectory() as scratch:
        desks = {}
        for size in sizes:
            desks[size] = Path(scratch) / f"desk-{size}"
            seed(desks[size], size)
        if arguments.locked_only:
            asyncio.run(locked(desks[sizes[0]]))
            return
        env = install_wheel(Path(scratch))
        startup(desks, arguments.runs, env)
        bytes_per_keypress(desks[max(sizes)], env)
        asyncio.run(interactive(desks[max(sizes)]))
        asyncio.run(locked(desks[max(sizes)]))


if __name__ == "__main__":
    main()
