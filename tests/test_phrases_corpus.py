"""Accuracy of the phrase rules on sentences written the way agents write (tests/data/phrases/<lang>.toml):
at least 90 % of the harmful ones flagged with the right kind, at most 5 % of the everyday ones flagged.

The same thresholds hold on the held-out sets (tests/data/phrases/heldout*/): sentences written
before the rules were fitted to them, kept apart so that their first-sight scores stay on record (in the
commits that added them) and so that a new set can be scored the same way before it joins them. The newest
set, heldout5/, is not asserted: the rules were not extended for it, and benchmarks/phrases.py reports
how they do on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.i18n import LANGUAGES
from console.phrases import KINDS, clear_cache
from tests.phrase_corpus import CORPUS_DIR, load_corpus, score

MIN_SENTENCES = 30
HELD_OUT = tuple(CORPUS_DIR / name for name in ("heldout", "heldout2", "heldout3", "heldout4"))
MIN_HELD_OUT = 10


@pytest.fixture(autouse=True)
def bundled_rules_only(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_CONSOLE_PHRASES", str(tmp_path))
    clear_cache()


@pytest.mark.parametrize("language", LANGUAGES)
def test_harmful_sentences_are_flagged_with_their_kind_and_everyday_ones_are_not(language: str) -> None:
    samples = load_corpus(language)
    result = score(language, samples)
    print(result.line())  # the figures, per language: pytest -s -k corpus
    assert result.harmful >= MIN_SENTENCES and result.everyday >= MIN_SENTENCES
    assert {sample.kind for sample in samples if sample.kind is not None} == set(KINDS)
    missed = [f"{sample.kind}: {sample.text}" for sample in result.missed]
    assert result.recall >= 0.90, missed
    assert result.false_alarm_rate <= 0.05, [sample.text for sample in result.wrongly_flagged]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_corpus_has_no_sentence_twice_and_no_unknown_kind(language: str) -> None:
    samples = load_corpus(language)
    assert len({sample.text for sample in samples}) == len(samples)
    assert all(sample.kind is None or sample.kind in KINDS for sample in samples)


@pytest.mark.parametrize("folder", HELD_OUT, ids=lambda folder: folder.name)
@pytest.mark.parametrize("language", LANGUAGES)
def test_held_out_sentences_meet_the_same_thresholds(language: str, folder: Path) -> None:
    samples = load_corpus(language, folder)
    result = score(language, samples)
    print(folder.name, result.line())
    assert result.harmful >= MIN_HELD_OUT and result.everyday >= MIN_HELD_OUT
    assert {sample.kind for sample in samples if sample.kind is not None} == set(KINDS)
    assert result.recall >= 0.90, [f"{sample.kind}: {sample.text}" for sample in result.missed]
    assert result.false_alarm_rate <= 0.05, [sample.text for sample in result.wrongly_flagged]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_held_out_sentence_is_also_in_the_corpus_or_another_set(language: str) -> None:
    folders = [CORPUS_DIR, *sorted(CORPUS_DIR.glob("heldout*"))]
    assert set(HELD_OUT) < set(folders)
    seen = [sample.text for folder in folders for sample in load_corpus(language, folder)]
    assert len(set(seen)) == len(seen)
