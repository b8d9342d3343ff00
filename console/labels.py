"""People-facing names of the desk's fixed values, as gettext message ids translated where shown."""

from __future__ import annotations

from console.i18n import N_, _

_STATUS = {"open": N_("open"), "waiting": N_("waiting"), "resolved": N_("resolved")}
_PRIORITY = {"low": N_("low"), "normal": N_("normal"), "high": N_("high"), "urgent": N_("urgent")}
_CHANNEL = {"email": N_("e-mail"), "phone": N_("phone"), "chat": N_("chat"), "web": N_("web")}
_CHANNEL_SHORT = {"email": N_("mail"), "phone": N_("tel"), "chat": N_("chat"), "web": N_("web")}


def status(key: str) -> str:
    return _(_STATUS[key]) if key in _STATUS else key


def priority(key: str) -> str:
    return _(_PRIORITY[key]) if key in _PRIORITY else key


def channel(key: str, short: bool = False) -> str:
    names = _CHANNEL_SHORT if short else _CHANNEL
    return _(names[key]) if key in names else key
