"""Which of the desk's languages (fi, et, hr, en) a customer's text is written in, with py3langid.

py3langid (langid.py's maintained fork: a naive Bayes model over byte n-grams) is restricted to the four
languages, so a Finnish mail is never called Hungarian. It was chosen over lingua-language-detector for its
size: 4.5 MB plus numpy against a 96 MB wheel, for a small shop's laptop. It is imported on the first text
that needs it (its model takes most of a second to load), never when the mail says its language itself.
"""

from __future__ import annotations

import re
import threading
from typing import Protocol

from console.i18n import LANGUAGES

MIN_WORDS = 3
"""Fewer words than this ("Hei", "OK", an order number) say nothing reliable about a language."""
MIN_CONFIDENCE = 0.7
"""Of the probability shared among the four languages; below it the text is taken as undecided."""
SAMPLE_CHARACTERS = 200
"""The beginning of a long text says as much as the whole, and costs less."""
_WORD = re.compile(r"[^\W\d_]{2,}")


class _Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


_loading = threading.Lock()
_loaded: list[_Identifier] = []


def _identifier() -> _Identifier:
    with _loading:  # a loader in the background and the first text may ask at once: one loads, one waits
        if not _loaded:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(LANGUAGES))
            _loaded.append(identifier)
        return _loaded[0]


def warm_up() -> None:
    """Load the model now (most of a second), not when the first mail waits for it."""
    _identifier()


def warm_up_in_background() -> None:
    """Load the model on a thread while the mailbox is read (decompressing it leaves the other core free)."""
    threading.Thread(target=_identifier, name="language-model", daemon=True).start()


def detect_language(text: str) -> str | None:
    """The language `text` is in, of fi/et/hr/en, or None when it is too short or too unclear to tell."""
    sample = text[:SAMPLE_CHARACTERS]
    if len(_WORD.findall(sample)) < MIN_WORDS:
        return None
    language, confidence = _identifier().classify(sample)
    return language if language in LANGUAGES and confidence >= MIN_CONFIDENCE else None
