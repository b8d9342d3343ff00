"""The phrase-warning corpus (tests/data/phrases/<lang>.toml) and how well the rules do on it; shared by
tests/test_phrases_corpus.py and benchmarks/phrases.py."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from console.phrases import check

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "phrases"


@dataclass(frozen=True)
class Sample:
    text: str
    kind: str | None  # None: an everyday sentence, nothing to flag


@dataclass(frozen=True)
class Score:
    language: str
    harmful: int
    caught: int  # harmful sentences flagged with their kind
    everyday: int
    false_alarms: int  # everyday sentences flagged at all
    missed: tuple[Sample, ...]
    wrongly_flagged: tuple[Sample, ...]

    @property
    def recall(self) -> float:
        return self.caught / self.harmful

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.everyday

    def line(self) -> str:
        return (
            f"{self.language}: harmful flagged with the right kind {self.caught}/{self.harmful} "
            f"({self.recall:.0%}), everyday flagged {self.false_alarms}/{self.everyday} ({self.false_alarm_rate:.0%})"
        )


def load_corpus(language: str, folder: Path = CORPUS_DIR) -> list[Sample]:
    with (folder / f"{language}.toml").open("rb") as file:
        document = tomllib.load(file)
    harmful = [Sample(item["text"], item["kind"]) for item in document.get("harmful", [])]
    return harmful + [Sample(item["text"], None) for item in document.get("everyday", [])]


def score(language: str, samples: list[Sample]) -> Score:
    missed: list[Sample] = []
    wrongly_flagged: list[Sample] = []
    for sample in samples:
        kinds = {finding.kind for finding in check(sample.text, language)}
        if sample.kind is not None and sample.kind not in kinds:
            missed.append(sample)
        if sample.kind is None and kinds:
            wrongly_flagged.append(sample)
    harmful = sum(sample.kind is not None for sample in samples)
    return Score(
        language,
        harmful,
        harmful - len(missed),
        len(samples) - harmful,
        len(wrongly_flagged),
        tuple(missed),
        tuple(wrongly_flagged),
    )
