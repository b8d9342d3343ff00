"""The agent's own settings, a small TOML file: their name and contact for replies, first-response targets.

    [agent]
    name = "Maija Virtanen"
    contact = "maija@example.fi, 010 123 4567"
    [response]            # first-response targets by priority; the ones not given keep their defaults
    urgent = "1h"
    normal = "2d"
    [mail]                # how replies leave by mail (`agent-console send`): SMTP or a sendmail command
    from = "Shop <help@shop.example>"
    smtp_host = "mail.shop.example"
    security = "starttls"                  # none | starttls | tls
    username = "help@shop.example"
    password_command = "pass show shop/smtp"   # its first output line is the password

A missing file means the defaults; anything else wrong in it is a ConfigError naming the file and the key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from console.i18n import _
from console.safe_text import clean_line
from console.store.records import PRIORITIES
from console.text_input import NotRegularFile, read_regular

ENVIRONMENT_VARIABLE = "AGENT_CONSOLE_CONFIG"
MAX_SIZE = 64 * 1024
"""A settings file is a few lines; anything larger is not one (and is not read whole into memory)."""
_DURATION = re.compile(r"([1-9][0-9]{0,5})([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_AGENT_KEYS = ("name", "contact")
SECURITY = ("none", "starttls", "tls")
DEFAULT_PORTS = MappingProxyType({"none": 25, "starttls": 587, "tls": 465})
_MAIL_KEYS = ("from", "smtp_host", "smtp_port", "security", "username", "password_command", "sendmail", "timeout")
_SMTP_KEYS = ("smtp_host", "smtp_port", "security", "username", "password_command")
DEFAULT_TIMEOUT = 30.0
"""Seconds a mail server (or a sendmail or password command) may stay silent before the try is given up."""


class ConfigError(Exception):
    """The config file cannot be used; str() is one line naming the file and the key."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{clean_line(str(path))}: {problem}")
        self.path = path


@dataclass(frozen=True)
class AgentConfig:
    name: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class MailConfig:
    """How replies leave: through an SMTP server (`smtp_host`) or a sendmail-compatible command (`sendmail`)."""

    sender: str
    """The shop's address, `[mail] from` ("help@shop.example" or "Shop <help@shop.example>")."""
    smtp_host: str | None = None
    smtp_port: int = 587
    security: str = "starttls"
    username: str | None = None
    password_command: tuple[str, ...] = ()
    """A command line, split as a shell would but run without one; its first output line is the password."""
    sendmail: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Config:
    agent: AgentConfig = field(default_factory=AgentConfig)
    response_targets: Mapping[str, timedelta] = field(default_factory=lambda: MappingProxyType({}))
    """First-response target by priority, only those the file sets; {} = console/response_clock.py's defaults."""
    path: Path | None = None
    """The file read, if any."""
    mail: MailConfig | None = None
    """The `[mail]` table (None: replies are not sent by mail)."""


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """AGENT_CONSOLE_CONFIG, else $XDG_CONFIG_HOME/agent-console/config.toml, else the same under
    ~/.config (an XDG_CONFIG_HOME that is not absolute is ignored, as the XDG spec asks)."""
    configured = environ.get(ENVIRONMENT_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    base = environ.get("XDG_CONFIG_HOME", "")
    if not base or not Path(base).is_absolute():
        home = environ.get("HOME")
        base = str(Path(home, ".config") if home else Path.home() / ".config")
    return Path(base) / "agent-console" / "config.toml"


def _read(path: Path) -> bytes | None:
    """The file's bytes, None if there is none. Never blocks on a fifo or reads a device: only a regular
    file is read (a symlink to one is fine: dotfile managers link config files)."""
    try:
        payload = read_regular(path, MAX_SIZE + 1)
    except FileNotFoundError:
        return None
    except NotRegularFile:
        raise ConfigError(path, _("is not a regular file")) from None
    except OSError as error:
        raise ConfigError(path, _("cannot be read: {problem}").format(problem=error.strerror)) from None
    if len(payload) > MAX_SIZE:
        raise ConfigError(path, _("larger than {size} KiB, not a config file").format(size=MAX_SIZE // 1024))
    return payload


def _text(path: Path, table: Mapping[str, Any], key: str, name: str = "agent") -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(path, _("{table}.{key}: must be text in quotes").format(table=name, key=key))
    if name == "mail" and value != clean_line(value):  # a line break in a header or a command is never meant
        raise ConfigError(path, _("{table}.{key}: must be one line of text").format(table=name, key=key))
    value = clean_line(value)
    if not value:
        raise ConfigError(path, _("{table}.{key}: is empty (leave the key out instead)").format(table=name, key=key))
    return value


def _command(path: Path, table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """A command line as its words (split as a shell would, never run by one)."""
    import shlex

    text = _text(path, table, key, "mail")
    if text is None:
        return ()
    try:
        words = tuple(shlex.split(text))
    except ValueError as error:  # an unclosed quote
        raise ConfigError(path, _("mail.{key}: {problem}").format(key=key, problem=clean_line(str(error)))) from None
    if not words:
        raise ConfigError(path, _("{table}.{key}: is empty (leave the key out instead)").format(table="mail", key=key))
    return words


def _number(path: Path, table: Mapping[str, Any], key: str, low: int, high: int) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(
            path,
            _("mail.{key}: {value} is not a whole number from {low} to {high}").format(
                key=key, value=clean_line(repr(value)), low=low, high=high
            ),
        )
    return value


def _mail(path: Path, table: Mapping[str, Any]) -> MailConfig | None:
    """The `[mail]` table, checked: a sender address and exactly one way out."""
    if not table:
        return None
    from email.headerregistry import Address

    from console.mail_out import MailAddressError, parse_address

    for key in table:
        if key not in _MAIL_KEYS:
            raise ConfigError(
                path,
                _("mail.{key}: unknown key (known: {known})").format(key=clean_line(key), known=", ".join(_MAIL_KEYS)),
            )
    sender = _text(path, table, "from", "mail")
    if sender is None:
        raise ConfigError(path, _("mail.from: missing (the shop's address replies are sent from)"))
    try:
        address: Address = parse_address(sender)
    except MailAddressError as error:
        raise ConfigError(path, _("mail.from: {problem}").format(problem=error)) from None
    sendmail = _command(path, table, "sendmail")
    host = _text(path, table, "smtp_host", "mail")
    if sendmail and any(key in table for key in _SMTP_KEYS):
        raise ConfigError(path, _("mail.sendmail: give either sendmail or smtp_host and its keys, not both"))
    if not sendmail and host is None:
        raise ConfigError(path, _('mail.smtp_host: missing (or give sendmail, a command such as "msmtp -t")'))
    security = _text(path, table, "security", "mail") or "starttls"
    if security not in SECURITY:
        raise ConfigError(
            path,
            _("mail.security: {value} is not one of {known}").format(
                value=clean_line(repr(security)), known=", ".join(SECURITY)
            ),
        )
    username = _text(path, table, "username", "mail")
    password_command = _command(path, table, "password_command")
    if password_command and username is None:
        raise ConfigError(path, _("mail.password_command: needs username as well"))
    port = _number(path, table, "smtp_port", 1, 65535)
    timeout = _number(path, table, "timeout", 1, 600)
    return MailConfig(
        sender=str(address),
        smtp_host=host,
        smtp_port=port if port is not None else DEFAULT_PORTS[security],
        security=security,
        username=username,
        password_command=password_command,
        sendmail=sendmail,
        timeout=float(timeout) if timeout is not None else DEFAULT_TIMEOUT,
    )


def parse_duration(text: str) -> timedelta | None:
    """ "30m", "4h", "2d" as a timedelta; None for anything else (zero included)."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        return None
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _targets(path: Path, table: Mapping[str, Any]) -> dict[str, timedelta]:
    targets = {}
    for priority, value in table.items():
        if priority not in PRIORITIES:
            raise ConfigError(
                path,
                _("response.{key}: unknown priority (known: {known})").format(
                    key=clean_line(priority), known=", ".join(PRIORITIES)
                ),
            )
        duration = parse_duration(value) if isinstance(value, str) else None
        if duration is None:
            raise ConfigError(
                path,
                _('response.{key}: {value} is not a time such as "30m", "4h" or "2d"').format(
                    key=priority, value=clean_line(repr(value))
                ),
            )
        targets[priority] = duration
    return targets


def _table(path: Path, document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(path, _("{key}: must be a table, [{key}]").format(key=name))
    return table


def parse_config(path: Path, payload: bytes) -> Config:
    """The settings in `payload`, the contents of `path`; ConfigError for anything unknown or malformed."""
    import tomllib  # only when there is a config file: most desks start without one

    try:
        document = tomllib.loads(payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, _("not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as error:  # its message ends "(at line 3, column 7)"
        raise ConfigError(path, _("not valid TOML: {problem}").format(problem=clean_line(str(error)))) from None
    except RecursionError:  # tomllib nests arrays and inline tables by recursion
        raise ConfigError(path, _("not valid TOML: {problem}").format(problem=_("nested too deeply"))) from None
    for name in document:
        if name not in ("agent", "response", "mail"):
            raise ConfigError(
                path, _("{key}: unknown table (known: [agent], [response], [mail])").format(key=clean_line(name))
            )
    agent = _table(path, document, "agent")
    for key in agent:
        if key not in _AGENT_KEYS:
            raise ConfigError(path, _("agent.{key}: unknown key (known: name, contact)").format(key=clean_line(key)))
    return Config(
        agent=AgentConfig(name=_text(path, agent, "name"), contact=_text(path, agent, "contact")),
        response_targets=MappingProxyType(_targets(path, _table(path, document, "response"))),
        path=path,
        mail=_mail(path, _table(path, document, "mail")),
    )


def load_config(path: Path | None = None, required: bool = False) -> Config:
    """The config at `path` (else `config_path()`); a missing file gives the defaults, or a ConfigError when
    `required` (a file named on the command line)."""
    path = config_path() if path is None else path
    payload = _read(path)
    if payload is None:
        if required:
            raise ConfigError(path, _("no such file"))
        return Config()
    return parse_config(path, payload)
