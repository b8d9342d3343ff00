"""Harmful-phrase warnings: what is flagged, where, with which advice, and how the rule files are read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from console import i18n
from console.i18n import UnknownLanguage
from console.phrase_patterns import PatternError, at_word_start, compile_pattern, fold
from console.phrases import (
    KINDS,
    PhraseFileError,
    advice,
    bundled_rules_file,
    check,
    clear_cache,
    kind_name,
    load_rules,
    shop_rules_dir,
)


@pytest.fixture(autouse=True)
def no_shop_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test starts from the bundled rules only; a test may write a shop file into the folder."""
    folder = tmp_path / "shop-phrases"
    monkeypatch.setenv("AGENT_CONSOLE_PHRASES", str(folder))
    clear_cache()
    yield folder
    clear_cache()


def kinds(text: str, language: str) -> list[str]:
    return [finding.kind for finding in check(text, language)]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fi", "Valitettavasti sopimuksen ehtojen mukaan hyvitystä ei makseta."),
        ("fi", "Tämä on todettu sopimuksen ehdoissa."),
        ("fi", "SOPIMUKSEN EHTOJEN MUKAAN ei."),
        ("fi", "sopimuksen ehdoissamme todetaan nain"),
        ("hr", "Nažalost, ugovorom nije predviđeno."),
        ("hr", "Nazalost, ugovorom nije predvideno."),
        ("hr", "Ugovorom nije predvidjeno, zao mi je."),
        ("hr", "UGOVOROM NIJE PREDVIĐENO."),
        ("et", "Vastavalt lepingu tingimustele see ei ole võimalik."),
        ("et", "Lepingu tingimuste jargi see ei ole voimalik."),
        ("en", "According to the terms of your contract, this is not possible."),
    ],
)
def test_the_issue_examples_are_flagged_in_any_case_inflection_and_spelling(language: str, text: str) -> None:
    assert "contract" in kinds(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I have contacted our supplier and the new part ships tomorrow."),
        ("en", "Your contract ends on 31 May as you asked."),
        ("fi", "Olen ollut yhteydessä tavarantoimittajaamme, ja uusi osa lähtee huomenna."),
        ("fi", "Sopimuksenne päättyy 31. toukokuuta, kuten pyysitte."),
        ("et", "Võtsin ühendust meie tarnijaga ja uus osa saadetakse homme teele."),
        ("et", "Teie leping lõpeb vastavalt teie soovile 31. mail."),
        ("hr", "Kontaktirao sam našeg dobavljača i novi dio šalje se sutra."),
        ("hr", "Vaš ugovor završava 31. svibnja, kako ste tražili."),
    ],
)
def test_everyday_mentions_of_suppliers_and_contracts_are_not_flagged(language: str, text: str) -> None:
    assert check(text, language) == []


def test_a_finding_marks_the_words_in_the_text_as_typed() -> None:
    text = "Hei!\n\nKiitos viestistä. SOPIMUKSEN EHDOISSA lukee näin, ja kuriiri hukkasi pakettinne."
    findings = check(text, "fi")
    assert [finding.text for finding in findings] == ["SOPIMUKSEN EHDOISSA lukee", "kuriiri hukkasi"]
    assert all(text[finding.start : finding.end] == finding.text for finding in findings)
    assert [finding.kind for finding in findings] == ["contract", "blame_partner"]
    assert findings == sorted(findings, key=lambda finding: finding.start)
    assert all(finding.suggestion and finding.advice for finding in findings)


def test_offsets_stay_right_after_letters_that_fold_or_lower_case_to_two() -> None:
    text = "İ ščćđž — Nazalost, ugovorom nije predviđeno."  # "İ".lower() is two characters
    (finding,) = check(text, "hr")
    assert finding.text == "ugovorom nije predviđeno"
    assert text[finding.start : finding.end] == finding.text
    assert len(fold(text)) == len(text)


def test_advice_and_kind_names_follow_the_ui_language_when_asked_for() -> None:
    text = "Ugovorom nije predviđeno."
    english = check(text, "hr")[0]
    i18n.set_language("fi")
    finnish = check(text, "hr")[0]
    assert english.advice.startswith("Pointing to the contract")
    assert finnish.advice.startswith("Sopimukseen tai ehtoihin vetoamalla")
    assert finnish.suggestion == english.suggestion  # the reply's language, whatever the UI's
    assert kind_name("contract") == "Ehtojen taakse piiloutuminen"


@pytest.mark.parametrize("language", ["fi", "et", "hr"])
def test_every_kind_has_a_translated_name_and_advice(language: str) -> None:
    english = {kind: (kind_name(kind), advice(kind)) for kind in KINDS}
    i18n.set_language(language)
    for kind in KINDS:
        name, why = kind_name(kind), advice(kind)
        assert name and why and name != english[kind][0] and why != english[kind][1]


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_language_has_rules_of_every_kind_and_documents_the_format(language: str) -> None:
    rules = load_rules(language)
    assert {rule.kind for rule in rules} == set(KINDS)
    assert len({rule.id for rule in rules}) == len(rules)
    head = bundled_rules_file(language).read_text(encoding="utf-8").split("\n[[rule]]", 1)[0]
    for documented in ("kind", "patterns", "unless", "suggestion", "stem*", "...", "data/README.md"):
        assert documented in head


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_no_suggestion_is_itself_a_phrase_to_warn_of(language: str) -> None:
    for rule in load_rules(language):
        assert check(rule.suggestion, language) == [], rule.id


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_no_ready_snippet_is_a_phrase_to_warn_of(language: str) -> None:
    from console.snippets import snippets

    flagged = {snippet.key: check(snippet.text, language) for snippet in snippets(language)}
    assert {key: findings for key, findings in flagged.items() if findings} == {}


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(UnknownLanguage):
        check("text", "sv")


SHOP_RULE = """
[[rule]]
id = "tomorrow"
kind = "dismissive"
patterns = ["maybe tomorrow"]
suggestion = "I will call you at 10 tomorrow."
"""


def test_a_shop_adds_its_own_rules_replaces_and_switches_off_bundled_ones(no_shop_rules: Path) -> None:
    assert check("We'll see, maybe tomorrow.", "en") == []
    assert kinds("Calm down, please.", "en") == ["dismissive"]
    assert kinds("It is the courier's fault.", "en") == ["blame_partner"]
    no_shop_rules.mkdir()
    (no_shop_rules / "en.toml").write_text(
        SHOP_RULE
        + '\n[[rule]]\nid = "calm-down"\nenabled = false\n'
        + '\n[[rule]]\nid = "partner-failed"\nkind = "blame_partner"\npatterns = ["courier+company"]\n'
        + 'suggestion = "We will sort it out."\n',
        encoding="utf-8",
    )
    clear_cache()
    (finding,) = check("We'll see, maybe tomorrow.", "en")
    assert (finding.text, finding.kind) == ("maybe tomorrow", "dismissive")
    assert finding.suggestion == "I will call you at 10 tomorrow."
    assert check("Calm down, please.", "en") == []
    assert check("It is the courier's fault.", "en") == []
    assert kinds("The courier company lost it.", "en") == ["blame_partner"]
    assert kinds("Sopimuksen ehtojen mukaan ei.", "fi") == ["contract"]  # other languages keep their rules


def test_the_shop_folder_follows_xdg_config_home() -> None:
    assert shop_rules_dir({"XDG_CONFIG_HOME": "/x"}) == Path("/x/agent-console/phrases")
    assert shop_rules_dir({"AGENT_CONSOLE_PHRASES": "/y", "XDG_CONFIG_HOME": "/x"}) == Path("/y")
    assert shop_rules_dir({}) == Path.home() / ".config" / "agent-console" / "phrases"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('[[rule]]\nid = "a"\nkind = "rude"\npatterns = ["x"]\nsuggestion = "y"\n', r"rule 'a': kind must be one of"),
        ('[[rule]]\nid = "a"\nkind = "insult"\npatterns = ["x*y"]\nsuggestion = "y"\n', r"rule 'a': pattern 'x\*y'"),
        ('[[rule]]\nid = "a"\nkind = "insult"\npatterns = ["... x"]\nsuggestion = "y"\n', r"rule 'a': pattern"),
        ('[[rule]]\nid = "a"\nkind = "insult"\npatterns = []\nsuggestion = "y"\n', r"rule 'a': patterns must be"),
        ('[[rule]]\nid = "a"\nkind = "insult"\npatterns = ["x"]\n', r"rule 'a': needs a suggestion"),
        ('[[rule]]\nid = "a"\nkind = "insult"\npatterns = ["x"]\nsuggestion = "y"\nhue = 1\n', r"unknown key 'hue'"),
        ('[[rule]]\nkind = "insult"\npatterns = ["x"]\nsuggestion = "y"\n', r"rule 1: needs an id"),
        ('[[rule]]\nid = "a"\nenabled = false\n[[rule]]\nid = "a"\nenabled = false\n', r"rule 'a': the id is used"),
        ("[[rule]\n", r"not valid TOML"),
        ('rules = "x"\n', r"unknown key 'rules'"),
    ],
)
def test_a_broken_rule_file_is_one_line_naming_the_file_and_the_rule(
    no_shop_rules: Path, content: str, problem: str
) -> None:
    no_shop_rules.mkdir()
    path = no_shop_rules / "en.toml"
    path.write_text(content, encoding="utf-8")
    clear_cache()
    with pytest.raises(PhraseFileError) as raised:
        check("anything", "en")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert re.search(problem, message)


def test_a_rule_file_that_is_not_utf8_is_one_line(no_shop_rules: Path) -> None:
    no_shop_rules.mkdir()
    (no_shop_rules / "hr.toml").write_bytes(b'[[rule]]\nid = "\xe8"\n')
    with pytest.raises(PhraseFileError, match=r"hr\.toml: not"):
        check("anything", "hr")


def matches(pattern: str, text: str) -> str | None:
    found = re.search(at_word_start(compile_pattern(pattern)), fold(text))
    return text[found.start() : found.end()] if found else None


def test_a_stem_takes_a_bounded_ending_and_a_leading_star_a_compound() -> None:
    assert matches("sopimu*", "sopimuksemme") == "sopimuksemme"
    assert matches("sopimu*", "sopimuksissammekin") is None  # 12 more letters: past the bound of 8
    assert matches("sopimu*3", "sopimuksemme") is None
    assert matches("sopimu*3", "sopimus") == "sopimus"
    assert matches("*ehdoissa", "toimitusehdoissa") == "toimitusehdoissa"
    assert matches("ehdoissa", "toimitusehdoissa") is None
    assert matches("web*", "web-stranici") == "web"


def test_gaps_optional_words_and_choices_stay_within_a_sentence() -> None:
    assert matches("according to ...2 terms", "according to all our terms") == "according to all our terms"
    assert matches("according to ...2 terms", "according to all of our terms") is None
    assert matches("is not? covered", "is covered") == "is covered"
    assert matches("is not? covered", "it is not covered") == "is not covered"
    assert matches("terms ...2 clearly? state", "terms you signed state") == "terms you signed state"  # gap kept
    assert matches("terms ...2 clearly? state", "terms you signed clearly state") == "terms you signed clearly state"
    assert matches("head+office|management decided", "Head office decided") == "Head office decided"
    assert matches("calm down", "Stay calm. Down the road") is None
    assert matches("calm down", "calm\n\ndown") is None
    assert matches("calm down", "calm,\ndown") == "calm,\ndown"


def test_diacritics_fold_both_ways_and_dj_stands_for_dj() -> None:
    assert matches("predviđeno", "predvideno") == "predvideno"
    assert matches("predviđeno", "predvidjeno") == "predvidjeno"
    assert matches("nemoguće", "NEMOGUCE") == "NEMOGUCE"
    assert matches("voimalik", "võimalik") == "võimalik"
    assert matches("päättänyt", "paattanyt") == "paattanyt"


@pytest.mark.parametrize("pattern", ["", "x?", "a ...", "a ... ... b", "a b?", "a|", "a*b", "a ...12 b"])
def test_malformed_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(pattern)
