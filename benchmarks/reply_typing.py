"""A keystroke in the reply editor with a 2,000-character reply: the work from the key to the warnings shown
again, against the same keystroke in a bare Textual TextArea, measured in the same run (samples alternate).

Each sample types one letter at the start of a line in the middle of the text, a flagged phrase on that
line (so that warning moves a column), and lets the app handle it and repaint; in the editor that includes
checking the whole text for harmful phrases, marking them in the text and listing them under it. A second
series types inside a flagged phrase and takes the letter back, so that a warning goes and comes back.
Textual's Pilot waits in 20 ms sleeps until the app is idle, so its wall time measures the Pilot: the
first figures are the CPU time the process spent (time.process_time) from the key to the app idle again.

The key-to-frame figures are what the issue asks ("warnings update within 50 ms of a keystroke"): the wall
clock (and CPU) from the key being posted to the app until the first frame that shows the new text, the
marks in it and the warnings panel as they are once the app has handled the key, taken in
`App.post_display_hook` (Textual's public hook after each frame; headless, the frame is composed from every
changed widget's lines but not turned into escape codes). What a frame shows is the state its widgets
were drawn from (the text, the marks, what the panel was given), recorded in the hook. `--settle S` waits
S seconds more after each key, for anything drawn late (a timer). Quote medians, worsts and their ratio to
the bare TextArea of the same run.

    python benchmarks/reply_typing.py [--keys 200] [--length 2000] [--settle 0]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import TextArea

from console import phrases
from console.app import ConsoleApp
from console.playbooks import load_playbooks
from console.screens.compose import ComposeScreen
from console.store import Complaint, Store
from console.store.records import utc_now
from console.widgets.reply_area import ReplyArea, location
from console.widgets.warnings import WarningsPanel

SENTENCES = (
    "Poštovana gospođo Horvat, zahvaljujemo na Vašoj poruci i ispričavamo se zbog neugodnosti. ",
    "Prema uvjetima ugovora ne možemo vratiti novac, ali provjerit ćemo račun još danas. ",
    "Naš dostavljač je kriv za kašnjenje paketa. ",
    "Javit ću Vam se do petka s rješenjem. ",
)


def reply_text(length: int) -> str:
    text = ""
    while len(text) < length:
        for sentence in SENTENCES:
            text += sentence
            if len(text) % 5 == 0:
                text += "\n"
    return text[:length]


FRAMES: list[tuple[float, float, object]] = []
"""(wall, CPU, what it showed) of every frame drawn, by either app."""
SETTLE = 0.0


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield TextArea(soft_wrap=True)

    def post_display_hook(self) -> None:
        FRAMES.append((time.perf_counter(), time.process_time(), shown(self)))


class TimedConsoleApp(ConsoleApp):
    def post_display_hook(self) -> None:
        FRAMES.append((time.perf_counter(), time.process_time(), shown(self)))


def shown(app: App[None]) -> object:
    """What a frame drawn now shows of the text and its warnings: the state its widgets were drawn from
    (a widget changed before a frame is drawn in it)."""
    area = app.screen.query(TextArea).first() if app.screen.query(TextArea) else None
    if area is None:
        return None
    if not isinstance(app.screen, ComposeScreen):
        return area.text
    return (area.text, dict(area.marked), app.screen.query_one(WarningsPanel).shown)  # type: ignore[attr-defined]


class Sample(NamedTuple):
    cpu: float
    """CPU from the key to the app idle again."""
    frame_wall: float
    """Wall clock from the key to the first frame showing the text and its warnings as they now are."""
    frame_cpu: float


async def typed(pilot: Pilot[None], area: TextArea, text: str | None, keys: list[str]) -> list[Sample]:
    """Each key, pressed in `area` (filled with `text` first, the cursor at the start of a line in the middle
    with a flagged phrase on it: each letter moves that warning's column)."""
    if text is not None:
        area.load_text(text)
        row, _column = location(text, text.index(SENTENCES[2], len(text) // 2))
        area.move_cursor((row, 0))
        await pilot.pause()
        await asyncio.sleep(SETTLE)
    samples = []
    for key in keys:
        drawn = len(FRAMES)
        wall, started = time.perf_counter(), time.process_time()
        await pilot.press(key)
        await pilot.pause()
        cpu = time.process_time() - started
        if SETTLE:
            await asyncio.sleep(SETTLE)
            await pilot.pause()
        final = shown(pilot.app)
        frame = next((frame for frame in FRAMES[drawn:] if frame[2] == final), None)
        if frame is None:
            raise SystemExit(f"no frame showed the text after {key!r}")
        samples.append(Sample(cpu, frame[0] - wall, frame[1] - started))
    return samples


async def bare_samples(text: str, keys: int) -> list[Sample]:
    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        return await typed(pilot, app.query_one(TextArea), text, ["a"] * keys)


async def editor_samples(text: str, keys: int, directory: Path) -> tuple[list[Sample], list[Sample], int]:
    store = Store(directory)
    complaint = Complaint("B-1", utc_now(), "Ivana Horvat", "ivana@example.hr", "email", "hr", "Račun", "Tijelo.")
    store.add_complaints([complaint])
    app = TimedConsoleApp(store, load_playbooks(), "bench", "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_editor("B-1", "reply")
        while not (isinstance(app.screen, ComposeScreen) and app.screen.complaint is not None):
            await pilot.pause(0.01)
        screen = app.screen
        area = screen.query_one(ReplyArea)
        samples = await typed(pilot, area, text, ["a"] * keys)
        found = len(screen.findings)
        # A key inside a flagged phrase breaks it, backspace makes it again: a warning goes and comes back.
        area.move_cursor(location(area.text, screen.findings[0].start + 2))
        changing = await typed(pilot, area, None, ["x", "backspace"] * (keys // 2))
    return samples, changing, found


def check_alone(text: str, runs: int) -> list[float]:
    samples = []
    for number in range(runs):
        changed = text + "a" * number  # a new text each time, as typing makes
        started = time.process_time()
        phrases.check(changed, "hr")
        samples.append(time.process_time() - started)
    return samples


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"


def main() -> None:
    global SETTLE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--length", type=int, default=2000)
    parser.add_argument("--settle", type=float, default=0.0)
    arguments = parser.parse_args()
    SETTLE = arguments.settle
    text = reply_text(arguments.length)
    bare: list[Sample] = []
    editor: list[Sample] = []
    changing: list[Sample] = []
    found = 0
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(2):  # alternate, so the machine's noise falls on both alike
            bare += asyncio.run(bare_samples(text, arguments.keys // 2))
            more, more_changing, found = asyncio.run(
                editor_samples(text, arguments.keys // 2, Path(scratch) / f"d{round_number}")
            )
            editor += more
            changing += more_changing
    alone = check_alone(text, 200)
    bare_ms, editor_ms = statistics.median(s.cpu for s in bare) * 1000, statistics.median(s.cpu for s in editor) * 1000
    print(f"reply of {len(text)} characters, {found} phrases flagged, {len(editor)} keystrokes each")
    print(f"phrases.check alone: median {statistics.median(alone) * 1000:.2f} ms, max {max(alone) * 1000:.2f} ms")
    print(f"bare TextArea, CPU per keystroke: median {bare_ms:.1f} ms")
    print(f"reply editor, CPU per keystroke (marks moved): {ms([s.cpu for s in editor])}")
    print(
        "reply editor, CPU per keystroke that makes or breaks a warning (panel redrawn):"
        f" {ms([s.cpu for s in changing])}"
    )
    print(f"ratio editor / bare TextArea: {editor_ms / bare_ms:.2f}")
    print("key to the first frame showing the new text, its marks and the panel (80x24, headless), wall | CPU:")
    series = (("bare TextArea", bare), ("editor, warnings move", editor), ("editor, a warning comes/goes", changing))
    base = statistics.median(s.frame_wall for s in bare)
    for name, samples in series:
        walls = [s.frame_wall for s in samples]
        print(
            f"  {name:30} {ms(walls)} | CPU {ms([s.frame_cpu for s in samples])}"
            f" | median x{statistics.median(walls) / base:.2f} bare"
        )


if __name__ == "__main__":
    main()
