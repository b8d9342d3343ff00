"""Languages: negotiation, complete catalogs, CLDR plurals and dates, and a wheel that carries them."""

import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from console import i18n
from console.resources import locales_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fi_FI.UTF-8"}, "fi"),
        ({"LC_MESSAGES": "et_EE.UTF-8", "LANG": "fi_FI.UTF-8"}, "et"),
        ({"LC_ALL": "hr_HR.UTF-8", "LC_MESSAGES": "et_EE"}, "hr"),
        ({"LANGUAGE": "de:hr", "LANG": "fi_FI"}, "hr"),
        ({"LC_ALL": "C", "LANG": "fi_FI.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "sv_FI.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_language_is_negotiated_from_the_environment(environ: dict[str, str], expected: str) -> None:
    assert i18n.negotiate(None, environ) == expected


def test_lang_option_wins_and_accepts_regional_tags() -> None:
    assert i18n.negotiate("hr-HR", {"LANG": "fi_FI"}) == "hr"
    assert i18n.negotiate("et_EE.UTF-8") == "et"
    with pytest.raises(i18n.UnknownLanguage):
        i18n.negotiate("tlh")


def catalog(language: str):  # type: ignore[no-untyped-def]
    with (locales_dir() / language / "LC_MESSAGES" / "console.po").open("rb") as file:
        return read_po(file, locale=language)


@pytest.mark.parametrize("language", ["fi", "et", "hr"])
def test_every_catalog_entry_is_translated_and_none_is_fuzzy(language: str) -> None:
    template_ids = {message.id for message in read_po((locales_dir() / "console.pot").open("rb")) if message.id}
    entries = [message for message in catalog(language) if message.id]
    assert {message.id for message in entries} == template_ids
    for message in entries:
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), message.id


@pytest.mark.parametrize("language", ["fi", "et", "hr"])
def test_plural_forms_follow_cldr(language: str) -> None:
    forms = catalog(language).num_plurals
    assert forms == len(Locale.parse(language).plural_form.tags) + 1  # 'other' is implicit
    for message in catalog(language):
        if message.pluralizable:
            assert len(message.string) == forms, message.id


def test_croatian_uses_three_plural_forms() -> None:
    i18n.set_language("hr")
    forms = {i18n.ngettext("{count} note", "{count} notes", count).format(count=count) for count in (1, 3, 5)}
    assert len(forms) == 3
    assert (
        i18n.ngettext("{count} note", "{count} notes", 21).format(count=21).split()[1]
        == (i18n.ngettext("{count} note", "{count} notes", 1).split()[1])
    )


@pytest.mark.parametrize(
    ("language", "quit_label"), [("fi", "Lopeta"), ("et", "Välju"), ("hr", "Izlaz"), ("en", "Quit")]
)
def test_a_known_message_is_translated(language: str, quit_label: str) -> None:
    i18n.set_language(language)
    assert i18n._("Quit") == quit_label


def test_ages_and_dates_use_cldr_in_each_language() -> None:
    received = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    now = received + timedelta(hours=3)
    ages = {}
    for language in i18n.LANGUAGES:
        i18n.set_language(language)
        ages[language] = i18n.format_age(received, now)
    assert ages == {"en": "3 hr", "fi": "3 t", "et": "3 t", "hr": "3 h"}
    i18n.set_language("fi")
    assert i18n.format_moment(received, tz=UTC) == "23.11.2026 9.00"
    i18n.set_language("en")
    assert (
        i18n.format_moment(received, tz=UTC) == "Nov 23, 2026, 9:00\u202fAM"
    )  # CLDR puts a narrow no-break space before AM


def test_the_wheel_carries_compiled_catalogs_and_data(tmp_path: Path) -> None:
    """Built and installed as a user gets it, the package translates without the source tree."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    [wheel] = tmp_path.glob("agent_console-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("fi", "et", "hr"):
        assert f"console/locales/{language}/LC_MESSAGES/console.mo" in names
    assert "console/data/playbooks/complaint.toml" in names and "console/data/demo/complaints.json" in names
    assert "console/data/playbooks.json" in names  # compiled: read at every start, faster than TOML

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True
    )
    probe = (
        "import console.i18n as i, console.resources as r, console.playbooks as p, console.snippets as s;"
        f"assert str(r.locales_dir()).startswith({str(target)!r}), r.locales_dir();"
        "i.set_language('hr'); print(i._('Quit'), len(p.load_playbooks().all), len(s.snippets('et')));"
        "assert (r.data_dir() / p.COMPILED).is_file();"
        "assert p.load_playbooks().all == p.load_playbooks(r.data_dir() / 'playbooks').all"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
    )
    from console.snippets import snippets

    assert result.stdout.split() == ["Izlaz", "5", str(len(snippets("et")))]


def test_the_template_holds_exactly_the_strings_in_the_code() -> None:
    """A string added to the code without `pybabel extract` would silently stay English."""
    from babel.messages.extract import extract_from_dir

    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "console"), method_map=[("**.py", "python")], keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    template = {message.id for message in read_po((locales_dir() / "console.pot").open("rb")) if message.id}
    template = {message_id[0] if isinstance(message_id, tuple) else message_id for message_id in template}
    assert found == template, (found - template, template - found)


def test_ages_are_whole_units_rounded_down() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    ages = [i18n.format_age(now - timedelta(minutes=minutes), now) for minutes in (0, 50, 150, 60 * 60, 9 * 24 * 60)]
    assert ages == ["1 min", "50 min", "2 hr", "2 days", "1 wk"]


def test_times_keep_their_own_daylight_saving_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Europe/Helsinki")
    time.tzset()
    try:
        i18n.set_language("fi")
        summer = datetime(2026, 7, 12, 12, 0, tzinfo=UTC)
        winter = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
        assert i18n.format_moment(summer).endswith("15.00")  # UTC+3 in July
        assert i18n.format_moment(winter).endswith("14.00")  # UTC+2 in November
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize("language", ["fi", "et", "hr"])
def test_every_catalog_passes_gnu_msgfmt_check(language: str) -> None:
    """GNU msgfmt checks what Babel does not: a plural form without its {count}, a format that differs."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext's msgfmt is not installed (.ci/run installs it)")
    po = locales_dir() / language / "LC_MESSAGES" / "console.po"
    result = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_message_with_a_count_is_a_plural_message() -> None:
    """ "Restored 1 notes", "1 muistiinpanoa": wherever a number is put into a sentence, ngettext chooses
    the form."""
    template = read_po((locales_dir() / "console.pot").open("rb"))
    singular_only = [
        message.id
        for message in template
        if isinstance(message.id, str) and any(name in message.id for name in ("{count}", "{files}", "{notes}"))
    ]
    assert not singular_only


@pytest.mark.parametrize(
    ("language", "small", "large"),
    [
        ("en", "18 bytes", "12 kB"),
        ("fi", "18 tavua", "12 kt"),
        ("et", "18 baiti", "12 kB"),
        ("hr", "18 bajtova", "12 kB"),
    ],
)
def test_a_files_size_says_bytes_in_words(language: str, small: str, large: str) -> None:
    """CLDR's short byte is "t" in Finnish (also its hour) and "byte" in English: bytes are written out."""
    i18n.set_language(language)
    assert (i18n.format_size(18), i18n.format_size(12_000)) == (small, large)
