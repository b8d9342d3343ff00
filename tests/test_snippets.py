"""The reply snippets: the bundled file in every language, the step's snippets first, placeholders filled."""

from __future__ import annotations

import datetime
import re
import tomllib
from pathlib import Path

import pytest

from console import i18n
from console.i18n import LANGUAGES
from console.playbooks import Playbooks
from console.resources import data_dir
from console.snippets import (
    FILE_NAME,
    PLACEHOLDERS,
    Placeholders,
    SnippetFileError,
    fill,
    load_snippets,
    serves,
    snippets,
    step_names,
    unfilled,
)

STEPS_WITHOUT_WORDS = {"trained-staff"}
"""Playbook steps about what the desk does, not what the agent writes: no snippet serves them."""
MAX_TITLE = 24
"""A title shares a picker line at 80 columns with the start of the text."""

VALUES = Placeholders(
    "Maija Virtanen", "Ana Horvat", "ana@example.com, 01 234 5678", "C-1042", datetime.date(2026, 12, 4)
)


def step_ids(playbooks: Playbooks) -> frozenset[str]:
    return frozenset(step.id for playbook in playbooks.all for step in playbook.steps)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / FILE_NAME
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[greeting]
steps = ["listen"]
en = "Dear {customer},"
fi = "Hei {customer},"
et = "Tere, {customer}!"
hr = "Dobar dan, {customer},"
"""


def test_the_bundled_file_has_every_snippet_in_every_language() -> None:
    document = tomllib.loads((data_dir() / FILE_NAME).read_text(encoding="utf-8"))
    keys = list(document)
    assert len(keys) >= 20
    for language in LANGUAGES:
        shown = snippets(language)
        assert [snippet.key for snippet in shown] == keys
        for snippet in shown:
            assert snippet.text.strip() == document[snippet.key][language].strip()


def test_the_brief_s_kinds_of_snippet_are_there() -> None:
    keys = {snippet.key for snippet in snippets("en")}
    assert {"greeting", "apology", "empathy", "ask", "timeframe", "thanks", "closing"} <= keys
    assert {"summary", "propose", "cancel-confirmed", "follow-up"} <= keys


def test_every_step_the_agent_speaks_in_has_a_snippet(playbooks: Playbooks) -> None:
    found = snippets("en")
    unserved = {
        step
        for book in playbooks.all
        for step in book.step_ids()
        if not any(serves(snippet.steps, book.id, step) for snippet in found)
    }
    assert unserved == STEPS_WITHOUT_WORDS
    assert {step for snippet in found for step in snippet.steps} <= step_names(
        (book.id, book.step_ids()) for book in playbooks.all
    )


def test_a_step_several_playbooks_share_is_served_per_playbook() -> None:
    """ "Sorry to see you go" is the cancellation's apology, not the one an upset customer's bill needs."""
    leaving = [snippet.key for snippet in snippets("en", "apologise", "cancellation")]
    upset = [snippet.key for snippet in snippets("en", "apologise", "upset")]
    assert set(leaving[:2]) == {"sorry-to-go", "apology"}
    assert upset[0] == "apology" and upset.index("sorry-to-go") > upset.index("greeting")


def test_the_timeframe_names_the_agent_and_the_contact_in_every_language() -> None:
    for language in LANGUAGES:
        timeframe = next(snippet for snippet in snippets(language, "timeframe") if snippet.key == "timeframe")
        nothing = Placeholders("", "", "", "", None)
        assert {"agent", "contact", "date"} <= set(unfilled(timeframe.text, nothing))


def test_the_step_s_snippets_come_first_then_the_rest_in_reading_order() -> None:
    plain = [snippet.key for snippet in snippets("fi")]
    for_confirm = [snippet.key for snippet in snippets("fi", "confirm")]
    assert for_confirm[:2] == ["cancel-confirmed", "no-invoices"]
    assert for_confirm[2:] == [key for key in plain if key not in ("cancel-confirmed", "no-invoices")]
    assert plain[0] == "greeting" and plain[-1] == "closing"
    apologise = [snippet.key for snippet in snippets("en", "apologise", "cancellation")]
    assert set(apologise[:2]) == {"sorry-to-go", "apology"}
    assert [snippet.key for snippet in snippets("en", "no-such-step")] == [snippet.key for snippet in snippets("en")]


def test_texts_are_in_the_reply_s_language_and_titles_in_the_ui_s() -> None:
    i18n.set_language("fi")
    croatian = {snippet.key: snippet for snippet in snippets("hr")}
    assert croatian["greeting"].text == "Dobar dan, {customer},"
    assert croatian["greeting"].title == "Tervehdys"
    assert croatian["closing"].title == "Lopputervehdys"


@pytest.mark.parametrize("language", ["fi", "et", "hr"])
def test_every_title_is_translated_and_short(language: str) -> None:
    english = {snippet.key: snippet.title for snippet in snippets("en")}
    i18n.set_language(language)
    titles = {snippet.key: snippet.title for snippet in snippets("en")}
    for key, title in titles.items():
        assert title and title != english[key], (language, key)
        assert len(title) <= MAX_TITLE, (language, key, title)
    assert len(set(titles.values())) == len(titles)


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(i18n.UnknownLanguage):
        snippets("de")


@pytest.mark.parametrize(
    ("language", "date"),
    [("en", "December 4, 2026"), ("fi", "4.12.2026"), ("et", "4.12.2026"), ("hr", "4. prosinca 2026.")],
)
def test_fill_puts_in_every_value_and_the_date_as_the_language_writes_it(language: str, date: str) -> None:
    for snippet in snippets(language):
        filled = fill(snippet.text, VALUES, language)
        assert unfilled(snippet.text, VALUES) == []
        assert "{" not in filled and "}" not in filled
        assert ".." not in filled, (language, snippet.key)  # Croatian dates end in a full stop of their own
        if "{date}" in snippet.text:
            assert date in filled
    cancel = next(snippet for snippet in snippets(language) if snippet.key == "cancel-confirmed")
    assert "C-1042" in fill(cancel.text, VALUES, language)


def test_a_missing_agent_name_and_contact_stay_as_placeholders_to_be_noticed() -> None:
    timeframe = next(snippet for snippet in snippets("en") if snippet.key == "timeframe")
    filled = fill(timeframe.text, Placeholders("Maija", "", "", "C-1", None), "en")
    assert "{agent}" in filled and "{contact}" in filled and "{date}" in filled
    assert unfilled(timeframe.text, Placeholders("Maija", "", "", "C-1", None)) == ["date", "agent", "contact"]
    dated = Placeholders("Maija", "", "", "C-1", datetime.date(2026, 12, 4))
    assert unfilled(timeframe.text, dated) == ["agent", "contact"]
    controls_only = Placeholders("Maija", "\x1b[2J", "", "C-1", None)  # cleaned to nothing: still missing
    assert "agent" in unfilled(timeframe.text, controls_only) and "{agent}" in fill(timeframe.text, controls_only, "en")


def test_a_customer_named_like_a_placeholder_is_filled_literally_and_nothing_is_missing() -> None:
    greeting = next(snippet for snippet in snippets("en") if snippet.key == "greeting")
    values = Placeholders("{agent} {contact}", "Ana Horvat", "ana@example.com", "C-1", None)
    filled = fill(greeting.text, values, "en")
    assert "{agent} {contact}" in filled
    assert unfilled(greeting.text, values) == []


def test_a_customer_name_cannot_bring_terminal_controls_or_lines_into_the_reply() -> None:
    hostile = Placeholders("Eve\x1b]52;c;aGk=\x07 \x1b[2J\nSmith\u202e", "Ana", "a@b", "C-1", None)
    filled = fill("Dear {customer},", hostile, "en")
    assert filled == "Dear Eve Smith,"


def test_fill_leaves_other_braces_and_does_not_fill_twice() -> None:
    values = Placeholders("{agent}", "Ana", "", "", None)
    assert fill("{customer} {nothing} }{", values, "en") == "{agent} {nothing} }{"


def test_unfilled_lists_each_known_placeholder_once() -> None:
    nothing = Placeholders("", "", "", "", None)
    assert unfilled("{agent} {x} {agent} {id}", nothing) == ["agent", "id"]
    assert unfilled("{agent} {x} {agent} {id}", Placeholders("", "", "", "C-1", None)) == ["agent"]
    assert unfilled("nothing here", nothing) == []


def test_a_good_file_loads(tmp_path: Path, playbooks: Playbooks) -> None:
    entries = load_snippets(write(tmp_path, GOOD), step_ids(playbooks))
    assert [entry.key for entry in entries] == ["greeting"]
    assert entries[0].steps == ("listen",)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('hr = "Dobar dan, {customer},"\n', ""), "missing text in language 'hr'"),
        (('fi = "Hei {customer},"', 'fi = "  "'), "missing text in language 'fi'"),
        (("{customer}!", "{name}!"), "et: unknown placeholder {name}"),
        (("{customer}!", "{customer!"), "et: a lone brace"),
        (('fi = "Hei {customer},"', 'fi = "Hei,"'), "fi and en differ in placeholder {customer}"),
        (('["listen"]', '["lisen"]'), "step 'lisen' is in no playbook"),
        (('["listen"]', '"listen"'), "steps must be a list of step ids"),
        (("[greeting]", "[greting]"), "no title for this key"),
        (('steps = ["listen"]', 'steps = ["listen"]\nnote = "x"'), "unknown field 'note'"),
        (('en = "Dear {customer},"', 'en = "' + "x" * 401 + '"'), "en is longer than 400 characters"),
    ],
)
def test_a_broken_snippet_is_one_line_naming_the_file_and_the_snippet(
    tmp_path: Path, playbooks: Playbooks, change: tuple[str, str], problem: str
) -> None:
    broken = GOOD.replace(*change)
    assert broken != GOOD
    with pytest.raises(SnippetFileError) as caught:
        load_snippets(write(tmp_path, broken), step_ids(playbooks))
    message = str(caught.value)
    assert "\n" not in message
    key = "greting" if "greting" in broken else "greeting"
    assert message.startswith(f"{FILE_NAME}: snippet {key!r}: ")
    assert problem in message


def test_a_file_that_is_not_toml_is_one_line_with_the_line_number(tmp_path: Path, playbooks: Playbooks) -> None:
    with pytest.raises(SnippetFileError) as caught:
        load_snippets(write(tmp_path, GOOD + "\n[broken\n"), step_ids(playbooks))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{FILE_NAME}: not valid TOML:")
    assert re.search(r"line 9\b", message)


def test_the_placeholders_are_the_documented_ones() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for name in PLACEHOLDERS:
        assert f"`{{{name}}}`" in readme


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_snippet_is_a_phrase_the_checker_warns_of(language: str) -> None:
    """The picker's phrases are the good example: the harmful-phrase checker finds nothing in them."""
    phrases = pytest.importorskip("console.phrases")  # issue 13's checker, merged from its own branch
    for snippet in snippets(language):
        findings = phrases.check(fill(snippet.text, VALUES, language), language)
        assert findings == [], (snippet.key, [(finding.kind, finding.text) for finding in findings])
