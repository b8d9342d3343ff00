"""How well the mail import tells fi, et, hr and en apart (console/language_detection.py, py3langid).

Counted on the demo complaints (their bodies, and each sentence of five words or more, against the language
the demo gives), and on a folder of longer texts without labels (`--texts DIR`, e.g. the seeds the demo was
written from): each paragraph of 20 words or more against the language found for its whole text. A text
detected as undecided (too short, unclear) counts as wrong. Also the time per text.

    python benchmarks/language_detection.py [--texts DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.language_detection import detect_language, warm_up  # noqa: E402 (after the path is set)

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def share(pairs: list[tuple[str, str]]) -> str:
    right = sum(detect_language(text) == language for text, language in pairs)
    return f"{right}/{len(pairs)} ({100 * right / max(len(pairs), 1):.1f} %)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=Path, help="a folder of .txt files, one language each")
    arguments = parser.parse_args()
    records = json.loads((ROOT / "data" / "demo" / "complaints.json").read_text("utf-8"))
    bodies = [(record["body"], record["language"]) for record in records]
    sentences = [
        (sentence, language)
        for body, language in bodies
        for sentence in SENTENCE_END.split(body)
        if len(sentence.split()) >= 5
    ]
    start = time.perf_counter()
    warm_up()
    print(f"model loaded in {time.perf_counter() - start:.2f} s")
    print(f"demo bodies:                   {share(bodies)}")
    print(f"demo sentences of >= 5 words:  {share(sentences)}")
    start = time.perf_counter()
    for body, _language in bodies * 20:
        detect_language(body)
    print(f"per body: {(time.perf_counter() - start) / len(bodies) / 20 * 1000:.2f} ms")
    if arguments.texts:
        paragraphs = []
        for path in sorted(arguments.texts.glob("*.txt")):
            text = path.read_text("utf-8", "replace")
            whole = detect_language(text) or "?"
            print(f"{path.name}: {whole}")
            paragraphs += [(part, whole) for part in text.split("\n") if len(part.split()) >= 20]
        print(f"their paragraphs of >= 20 words, as their text: {share(paragraphs)}")


if __name__ == "__main__":
    main()
