"""Language negotiation, gettext catalogs and Babel formatting for people-facing text.

`_`, `ngettext` and the `format_*` functions always use the current language, so switching language at
run time (`set_language`) changes every string produced afterwards.
"""

from __future__ import annotations

import gettext as _gettext
import io
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal

from console.resources import catalogs_are_compiled, locales_dir

if TYPE_CHECKING:
    from babel import Locale

# Babel is imported where it is first needed: the command line's subcommands and an English desk that
# shows no counts yet do without it.

LANGUAGES: tuple[str, ...] = ("en", "fi", "et", "hr")
"""Every language the UI and the playbooks exist in; English is the source language."""
DOMAIN = "console"
_ENV_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


class UnknownLanguage(ValueError):
    """A language was asked for that the desk has no catalog for."""

    def __init__(self, requested: str) -> None:
        super().__init__(requested)
        self.requested = requested


class CatalogMissing(RuntimeError):
    """A supported language's catalog is not where it should be: a packaging bug, never silent."""


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


def _normalise(tag: str) -> str:
    # "fi_FI.UTF-8@euro" -> "fi_FI"; "fi-FI" -> "fi_FI"
    return tag.split(".", 1)[0].split("@", 1)[0].replace("-", "_").strip()


def match_language(tag: str) -> str | None:
    """The supported language for a tag like `fi`, `fi_FI.UTF-8` or `hr-HR`, or None."""
    tag = _normalise(tag)
    if not tag:
        return None
    if tag.lower() in LANGUAGES:
        return tag.lower()
    from babel.core import negotiate_locale

    return negotiate_locale([tag], list(LANGUAGES), sep="_")


def negotiate(requested: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The language to use: `--lang` if given (UnknownLanguage if we lack it), else the POSIX locale
    variables in gettext's order, else English."""
    if requested is not None:
        language = match_language(requested)
        if language is None:
            raise UnknownLanguage(requested)
        return language
    environ = os.environ if environ is None else environ
    for variable in _ENV_VARIABLES:
        value = environ.get(variable, "")
        if not value:
            continue
        # LANGUAGE is a priority list ("fi:en"); the others hold one locale. C/POSIX mean "no preference".
        for tag in value.split(":") if variable == "LANGUAGE" else [value]:
            language = match_language(tag)
            if language is not None:
                return language
        if variable != "LANGUAGE":
            break
    return "en"


def load_translations(language: str) -> _gettext.NullTranslations:
    """The catalog for `language`: the .mo an installed wheel ships, or in a source tree the .po compiled
    in memory. English is the source language."""
    if language not in LANGUAGES:
        raise UnknownLanguage(language)
    if language == "en":
        return _gettext.NullTranslations()
    folder = locales_dir() / language / "LC_MESSAGES"
    mo_path = folder / f"{DOMAIN}.mo"
    po_path = folder / f"{DOMAIN}.po"
    from babel.support import Translations

    if catalogs_are_compiled() and mo_path.is_file():
        with mo_path.open("rb") as mo_file:
            return Translations(mo_file, domain=DOMAIN)
    if po_path.is_file():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    raise CatalogMissing(f"no catalog for {language!r} in {folder}")


class _State:
    def __init__(self, language: str, translations: _gettext.NullTranslations) -> None:
        self.language = language
        self.translations = translations

    @property
    def locale(self) -> Locale:
        return _locale(self.language)


_state = _State("en", _gettext.NullTranslations())
_cache: dict[str, _gettext.NullTranslations] = {}


def set_language(language: str) -> None:
    """Make `language` current for every string and format produced from now on."""
    if language not in _cache:
        _cache[language] = load_translations(language)
    _state.language = language
    _state.translations = _cache[language]


def current_language() -> str:
    return _state.language


def next_language(language: str) -> str:
    """The language after `language` in the `L` key's cycle."""
    return LANGUAGES[(LANGUAGES.index(language) + 1) % len(LANGUAGES)]


def _(message: str) -> str:
    return _state.translations.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _state.translations.ngettext(singular, plural, count)


def language_name(language: str) -> str:
    """The language's own name for itself, e.g. `suomi`, `eesti`, `hrvatski`."""
    from babel.core import UnknownLocaleError

    try:
        return _locale(language).get_display_name(language) or language
    except (UnknownLocaleError, ValueError):
        return language


def language_in_ui(language: str) -> str:
    """The language's name in the UI language, as the agent says it: `kroatia` in a Finnish UI, `horvaadi`
    in an Estonian one, `Croatian` in English. For the reply's (the customer's) language; the UI language
    itself is named in its own (`language_name`), so that an agent who switched by mistake can read it."""
    from babel.core import UnknownLocaleError

    try:
        return _locale(language).get_display_name(_state.language) or language
    except (UnknownLocaleError, ValueError):
        return language


def format_age(received: datetime, now: datetime) -> str:
    """How long ago, compact: `3 hr`, `3 t`, `3 h`; CLDR units in the current language."""
    minutes = max(int((now - received).total_seconds() // 60), 1)
    return _age_in_minutes(minutes, _state.language)


_AGE_UNITS_IN_MINUTES = (365 * 24 * 60, 30 * 24 * 60, 7 * 24 * 60, 24 * 60, 60, 1)  # as Babel counts them


def widest_age() -> int:
    """The most cells an age takes in the current language (the largest count of each unit, and ten
    years), so that the age column keeps one width however the list scrolls."""
    from rich.cells import cell_len

    largest = (10 * 365 * 24 * 60, 11 * 30 * 24 * 60, 29 * 24 * 60, 6 * 24 * 60, 23 * 60, 59)
    return max(cell_len(_age_in_minutes(minutes, _state.language)) for minutes in largest)


@lru_cache(maxsize=4096)
def _age_in_minutes(minutes: int, language: str) -> str:
    """Whole units, rounded down as a clock is read: 2½ days is "2 days", 50 minutes "50 min".
    Cached: many rows share an age, and Babel's formatting is worth sparing."""
    unit = next(size for size in _AGE_UNITS_IN_MINUTES if minutes >= size)
    whole = timedelta(minutes=minutes // unit * unit)
    from babel.dates import format_timedelta

    return format_timedelta(whole, threshold=1, format="short", locale=_locale(language))


def warm_up(language: str | None = None) -> None:
    """Import Babel's formatting and read the language's CLDR data now: called from a worker thread while
    the screen is already up, so the first rows do not wait for it."""
    now = datetime.now(UTC)
    _age_in_minutes(60, language or _state.language)
    format_count(1000)
    format_count_short(1000)
    format_moment(now)


@cache
def _locale(language: str) -> Locale:
    """One Locale per language: each new Locale object merges its CLDR data again."""
    from babel import Locale

    return Locale.parse(language)


def format_moment(
    moment: datetime, tz: tzinfo | None = None, width: Literal["full", "long", "medium", "short"] = "medium"
) -> str:
    """A date and time (to the minute) in the reader's time zone, as the current language writes it."""
    from babel.dates import format_date, format_time, get_datetime_format

    local = moment.astimezone(tz)  # None: the local zone as it was then, so summer times stay right in winter
    pattern = get_datetime_format(width, locale=_state.locale)
    date = format_date(local, width, locale=_state.locale)
    time = format_time(local, "short", locale=_state.locale)
    return str(pattern).replace("{1}", date).replace("{0}", time)


def format_count(number: int) -> str:
    from babel.numbers import format_decimal

    return format_decimal(number, locale=_state.locale)


def format_size(size: int) -> str:
    """A file's size as the current language writes it: `512 bytes`, `12 kB`, `1,5 Mt` (powers of 1000). Bytes
    are written out: CLDR's short form is `512 byte` in English, `512 t` in Finnish."""
    from babel.units import format_unit

    for unit, scale in (("gigabyte", 10**9), ("megabyte", 10**6), ("kilobyte", 10**3)):
        if size >= scale:
            amount = size / scale
            pattern = "#,##0" if amount >= 10 else "#,##0.#"
            return format_unit(amount, f"digital-{unit}", length="short", format=pattern, locale=_state.locale)
    return format_unit(size, "digital-byte", length="long", locale=_state.locale)


def format_count_short(number: int, fraction_digits: int = 1) -> str:
    """A count in few characters (`1,5 t.` in Finnish), for where the full one does not fit."""
    from babel.numbers import format_compact_decimal

    return format_compact_decimal(number, locale=_state.locale, fraction_digits=fraction_digits)
