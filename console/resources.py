"""Where the bundled data and catalogs live: inside the installed package, or beside it in a source tree."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    installed = _PACKAGE / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def data_dir() -> Path:
    """The bundled data/ folder (playbooks, demo complaints)."""
    return _bundled("data")


def locales_dir() -> Path:
    """The gettext catalogs: locales/<lang>/LC_MESSAGES/console.po (and .mo in a built wheel)."""
    return _bundled("locales")


def catalogs_are_compiled() -> bool:
    """True in an installed wheel, whose build compiled the .mo files; a source tree has only .po files
    that count (any .mo lying there may be stale)."""
    return (_PACKAGE / "locales").is_dir()
