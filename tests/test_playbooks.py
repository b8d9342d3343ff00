from pathlib import Path

import pytest

from console.i18n import LANGUAGES
from console.playbooks import PlaybookError, Playbooks, load_playbook, load_playbooks

SEED_PLAYBOOKS = {"cancellation": 5, "upset": 6, "complaint": 7, "reclamation": 8, "service": 8}


def test_every_seed_playbook_is_bundled_with_its_steps(playbooks: Playbooks) -> None:
    assert {playbook.id: len(playbook.steps) for playbook in playbooks.all} == SEED_PLAYBOOKS


def test_every_text_of_every_playbook_exists_in_every_language(playbooks: Playbooks) -> None:
    for playbook in playbooks.all:
        texts = [playbook.title, playbook.summary]
        texts += [step.title for step in playbook.steps] + [step.guidance for step in playbook.steps]
        texts += [item.title for item in playbook.avoid] + [item.guidance for item in playbook.avoid]
        texts += [level.label for level in playbook.levels]
        for text in texts:
            assert set(text.texts) == set(LANGUAGES), playbook.id
            assert all(value.strip() for value in text.texts.values()), playbook.id
            # Four languages really differ: no language left as a copy of the English text.
            assert len({text(language) for language in ("fi", "et", "hr")}) == 3, text.texts


def test_complaint_playbook_lists_the_harmful_habits(playbooks: Playbooks) -> None:
    avoid = [item.id for item in playbooks["complaint"].avoid]
    assert avoid == ["contract", "management", "website", "supplier", "silence"]
    assert "72" in playbooks["complaint"].avoid[-1].guidance("en")


def test_service_rules_have_good_and_excellent_levels(playbooks: Playbooks) -> None:
    service = playbooks["service"]
    assert service.level_reached(3) is None
    good = service.level_reached(4)
    excellent = service.level_reached(8)
    assert good is not None and excellent is not None
    assert good.label("en") == "Good service" and excellent.label("en") == "Excellent service"


def test_each_kind_gets_its_playbook_and_unknown_kinds_the_general_one(playbooks: Playbooks) -> None:
    assert playbooks.for_kind("cancellation").id == "cancellation"
    assert playbooks.for_kind("upset").id == "upset"
    assert playbooks.for_kind("something-else").id == "complaint"
    assert playbooks.get("service", "cancellation").id == "service"


GOOD = """
id = "tiny"
[title]
en = "T"
fi = "T"
et = "T"
hr = "T"
[summary]
en = "S"
fi = "S"
et = "S"
hr = "S"
[[steps]]
id = "one"
[steps.title]
en = "One"
fi = "Yksi"
et = "Üks"
hr = "Jedan"
[steps.guidance]
en = "Do it."
fi = "Tee se."
et = "Tee seda."
hr = "Učini to."
"""


def write(tmp_path: Path, text: str, name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_playbook_file_loads(tmp_path: Path) -> None:
    playbook = load_playbook(write(tmp_path, GOOD))
    assert playbook.steps[0].title("hr") == "Jedan"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD.replace('hr = "Jedan"\n', ""), "missing text in language 'hr'"),
        (GOOD.replace('et = "Tee seda."', 'et = ""'), "missing text in language 'et'"),
        (GOOD.replace('id = "tiny"', 'id = "other"'), "must be 'tiny'"),
        (GOOD.replace('id = "one"', 'id = "One!"'), "needs an id"),
        (GOOD + GOOD[GOOD.index("[[steps]]") :], "duplicate id 'one'"),
        (GOOD[: GOOD.index("[[steps]]")], "needs 1 to 9 steps"),
        (GOOD.replace("[[steps]]", "[[nope]]"), "must be a list of tables"),
        ("id = [", "not valid TOML"),
    ],
)
def test_a_malformed_playbook_is_rejected_naming_file_and_place(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(PlaybookError, match=r"tiny\.toml") as raised:
        load_playbook(write(tmp_path, text))
    assert problem in str(raised.value)


def test_a_folder_of_playbooks_with_one_bad_file_fails_to_load(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    write(tmp_path, "id = 1", "broken.toml")
    with pytest.raises(PlaybookError, match=r"broken\.toml"):
        load_playbooks(tmp_path)


def test_compiled_playbooks_load_as_the_toml_ones_and_are_checked_the_same(tmp_path: Path) -> None:
    import json
    import tomllib

    from console.playbooks import load_compiled
    from console.resources import data_dir

    folder = data_dir() / "playbooks"
    documents = {path.name: tomllib.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.toml")}
    compiled = tmp_path / "playbooks.json"
    compiled.write_text(json.dumps(documents), encoding="utf-8")
    assert load_compiled(compiled).all == load_playbooks(folder).all

    del documents["upset.toml"]["steps"][0]["title"]["hr"]
    compiled.write_text(json.dumps(documents), encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"upset\.toml: .*hr"):
        load_compiled(compiled)
    compiled.write_text('{"upset.toml": {"id": ', encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"playbooks\.json: cannot be read"):
        load_compiled(compiled)


def test_croatian_calls_the_customer_kupac_and_addresses_the_agent_formally(playbooks: Playbooks) -> None:
    """One word for the customer on every screen, as the UI's "Kupac" column; the formal "Vi" throughout."""
    import re

    informal = re.compile(r"\b(ti|tebi|tebe|tvoj\w*|možeš|imaš|znaš|reci|pitaj|budi|pokaži|ispričaj)\b", re.IGNORECASE)
    for playbook in playbooks.all:
        texts = [playbook.title, playbook.summary]
        texts += [step.title for step in playbook.steps] + [step.guidance for step in playbook.steps]
        texts += [item.title for item in playbook.avoid] + [item.guidance for item in playbook.avoid]
        for text in texts:
            croatian = text("hr")
            assert "korisni" not in croatian.lower(), croatian
            assert not informal.search(croatian), croatian


def test_every_playbook_title_fits_the_side_panel_and_every_step_keeps_to_its_length(playbooks: Playbooks) -> None:
    """At 80 columns the side panel holds "0/8 · " and 27 characters (data/README.md gives the limits)."""
    for playbook in playbooks.all:
        for language in LANGUAGES:
            assert len(playbook.title(language)) <= 27, playbook.title(language)
            for step in playbook.steps:
                assert len(step.title(language)) <= 32 and len(step.guidance(language)) <= 160, step.id
            for item in playbook.avoid:
                assert len(item.title(language)) <= 40 and len(item.guidance(language)) <= 160, item.id
