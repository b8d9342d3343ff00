"""Harmful-phrase warnings: accuracy on the corpus and the time of one check, per language.

Accuracy: the share of the harmful sentences of tests/data/phrases/<lang>.toml flagged with their kind, and
of the everyday ones flagged at all. Time: `check` on a 2,000-character reply made of the corpus's sentences
(two everyday ones to each harmful one), against two baselines measured in the same run on the same text:
the editor's own work for one keystroke (a Textual TextArea holding the reply at 80x24, headless: insert a
character and render its lines; Pilot's press is not used, its fixed pauses would dwarf the work), and
`str.lower` with one `re.search` for a word (the least a keystroke handler that looks at the text does;
much faster on ASCII text). The first check of a language also reads and
compiles its rules; that is shown apart. Last, the same accuracy on each held-out set
(tests/data/phrases/heldout*/): sentences written before the rules were fitted to them.

    python benchmarks/phrases.py [--runs 300] [--length 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.i18n import LANGUAGES
from console.phrases import check, clear_cache
from tests.phrase_corpus import CORPUS_DIR, Sample, Score, load_corpus, score


def reply_of(samples: list[Sample], length: int) -> str:
    """A reply of `length` characters: everyday and harmful sentences, two to one, as paragraphs."""
    everyday = [sample.text for sample in samples if sample.kind is None]
    harmful = [sample.text for sample in samples if sample.kind is not None]
    parts: list[str] = []
    index = 0
    while sum(len(part) + 1 for part in parts) < length:
        parts.append(harmful[index % len(harmful)] if index % 3 == 2 else everyday[index % len(everyday)])
        parts.append("\n\n" if index % 4 == 3 else " ")
        index += 1
    return "".join(parts)[:length]


def median_seconds(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


async def _keystrokes(text: str, runs: int) -> list[float]:
    from textual.app import App, ComposeResult
    from textual.geometry import Region
    from textual.widgets import TextArea

    class Editor(App[None]):
        def compose(self) -> ComposeResult:
            yield TextArea(text)

    app = Editor()
    samples = []
    async with app.run_test(size=(80, 24)) as pilot:
        area = app.query_one(TextArea)
        area.focus()
        await pilot.pause()
        for _ in range(runs):
            start = time.perf_counter()
            area.insert("x")
            area.render_lines(Region(0, 0, area.size.width, area.size.height))
            samples.append(time.perf_counter() - start)
    return samples


def keystroke_seconds(text: str, runs: int) -> float:
    """A character inserted into a TextArea holding `text` and its lines rendered (median)."""
    return statistics.median(asyncio.run(_keystrokes(text, runs)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--length", type=int, default=2000)
    options = parser.parse_args()
    word = re.compile(r"\bsupplier\b")
    print(
        f"{'lang':<5} {'recall':>14} {'false alarms':>14} {'check':>9} {'keystroke':>10} {'ratio':>6}"
        f" {'lower+search':>12} {'ratio':>6} {'1st check':>10}"
    )
    for language in LANGUAGES:
        samples = load_corpus(language)
        result = score(language, samples)
        text = reply_of(samples, options.length)
        clear_cache()
        start = time.perf_counter()
        check(text, language)
        first = time.perf_counter() - start
        checked = median_seconds(lambda: check(text, language), options.runs)  # noqa: B023
        baseline = median_seconds(lambda: word.search(text.lower()), options.runs)  # noqa: B023
        keystroke = keystroke_seconds(text, max(options.runs // 10, 10))
        print(
            f"{language:<5} {result.caught:>3}/{result.harmful:<3} {result.recall:>6.0%}"
            f" {result.false_alarms:>3}/{result.everyday:<3} {result.false_alarm_rate:>6.0%}"
            f" {checked * 1000:>6.2f} ms {keystroke * 1000:>7.2f} ms {checked / keystroke:>6.3f}×"
            f" {baseline * 1e6:>9.1f} µs {checked / baseline:>5.0f}× {first * 1000:>7.1f} ms"
        )
    print(f"check: one `check` of a {options.length}-character reply (median of {options.runs}); keystroke: a")
    print("character inserted into a TextArea holding it and its lines rendered; lower+search: str.lower + one")
    print("re.search over the same text;")
    print("1st check: the first check of the language, reading and compiling its rules too")
    print()
    print("held-out sets (tests/data/phrases/heldout*/; the rules were extended for all but the last):")
    for folder in held_out_folders():
        shares = (_share(score(language, load_corpus(language, folder))) for language in LANGUAGES)
        print(f"  {folder.name:<9} " + "  ".join(shares))


def held_out_folders() -> list[Path]:
    return sorted(CORPUS_DIR.glob("heldout*"), key=lambda folder: int(folder.name.removeprefix("heldout") or 1))


def _share(result: Score) -> str:
    flagged = f"{result.false_alarms}/{result.everyday}"
    return f"{result.language} {result.caught}/{result.harmful} {result.recall:>4.0%} fp {flagged}"


if __name__ == "__main__":
    main()
