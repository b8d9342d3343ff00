"""What `agent-console serve` decides before textual-serve starts: which hosts may be served without the
flag, the command line of each browser session, whether the port can be had. Plain functions, no server."""

from __future__ import annotations

import argparse
import errno
import ipaddress
import shlex
import socket
from pathlib import Path
from typing import NamedTuple

from console import i18n
from console.safe_text import clean_line
from console.serve_command import PUBLIC_FLAG


class ServeError(Exception):
    """The desk cannot be served as asked (a host refused, a port taken); the message is one line."""


class SessionOptions(NamedTuple):
    """The options each browser session's app starts with: those `serve` was given."""

    data_dir: Path | None = None
    language: str | None = None
    agent: str | None = None
    config: Path | None = None
    demo: bool = False


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def is_loopback(host: str) -> bool:
    """`host` reaches only this machine: 127.0.0.0/8, ::1 or the name localhost (other names are not looked
    up: a name's address can change under us, so it counts as public)."""
    if host.lower().removesuffix(".") == "localhost":
        return True
    address = _address(host)
    return address is not None and address.is_loopback


def check_host(host: str, public: bool) -> None:
    """Refuse a host other than loopback unless `public` (the flag that says there is no log-in)."""
    if not public and not is_loopback(host):
        message = i18n._(
            "will not serve on {host}: there is no log-in, so anyone who reaches it could read and change the desk;"
            " use SSH port forwarding (see README), or {flag} on a network you trust"
        )
        raise ServeError(message.format(host=clean_line(host), flag=PUBLIC_FLAG))


def _host_and_port(text: str, default_port: int | None = None) -> tuple[str, int | None] | None:
    """The host name (lower case, without a final dot or brackets) and port of "host:port" or of a URL."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text if "//" in text else f"//{text}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    if port is None:
        port = {"http": 80, "https": 443}.get(parts.scheme, default_port)
    return parts.hostname.lower().removesuffix("."), port


def _trusted_name(name: str, public_url: str) -> bool:
    """A name no attacker can point at this machine: an address, localhost, this machine's own name or the
    public URL's."""
    named = _host_and_port(public_url)
    return (
        _address(name) is not None
        or name == "localhost"
        or name == socket.gethostname().lower()
        or (named is not None and name == named[0])
    )


def request_allowed(host: str | None, origin: str | None, public_url: str) -> bool:
    """Whether a request may reach the desk (textual-serve checks nothing, and whoever gets a session is the
    agent). Its Host must be a name no attacker controls: a web page whose own name is pointed at 127.0.0.1
    (DNS rebinding) is refused. A browser's websocket carries the Origin of the page that opened it, which
    must be a page of this server (the same host and port asked for, or the public URL): any other site the
    agent has open in the same browser is refused (cross-site WebSocket hijacking)."""
    asked = _host_and_port(host, 80) if host else None
    if asked is None or not _trusted_name(asked[0], public_url):
        return False
    if origin is None:
        return True  # not a browser, so no page of another site behind it
    came_from = _host_and_port(origin)
    return came_from is not None and came_from in (asked, _host_and_port(public_url))


def default_url(host: str, port: int) -> str:
    """What browsers reach the server at: an IPv6 address in brackets; for every address of the machine
    (0.0.0.0, ::) its name, since a browser cannot connect to a wildcard."""
    address = _address(host)
    if address is not None and address.is_unspecified:
        name = socket.gethostname()
    elif isinstance(address, ipaddress.IPv6Address):
        name = f"[{address}]"
    else:
        name = host
    return f"http://{name}:{port}"


def session_command(python: str, options: SessionOptions) -> str:
    """The shell command textual-serve runs for each browser session: this installation's app with the same
    options. Every word is quoted (textual-serve hands the line to a shell), and the shell replaces itself
    with the app (`exec`: no shell left waiting beside each session); values are joined to their option
    with `=`, so one that starts with `-` is never read as an option; `-P` keeps a `console` folder in the
    working directory from being imported instead of this one."""
    words = [python, "-P", "-m", "console"]
    if options.data_dir is not None:
        words.append(f"--data-dir={options.data_dir.absolute()}")
    if options.config is not None:
        words.append(f"--config={options.config.absolute()}")
    if options.language is not None:
        words.append(f"--lang={options.language}")
    if options.agent is not None:
        words.append(f"--agent={options.agent}")
    if options.demo:
        words.append("--demo")
    return "exec " + shlex.join(words)


def check_port_free(host: str, port: int) -> None:
    """Bind every address of `host` once, as the server will, so that a port in use or a host that is not
    this machine's is one line before the server starts (a port taken in between is one line too, after
    the server's start-up line: console/web_server.py)."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise ServeError(
            i18n._("cannot listen on {host}: {problem}").format(host=clean_line(host), problem=error.strerror)
        ) from None
    for family, kind, protocol, _name, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does: TIME_WAIT is no use
            try:
                probe.bind(address)
            except OSError as error:
                raise listen_error(host, port, error) from None


def listen_error(host: str, port: int, error: OSError) -> ServeError:
    if error.errno == errno.EADDRINUSE:
        message = i18n._("port {port} on {host} is in use: stop what listens there or choose another with --port")
        return ServeError(message.format(port=port, host=clean_line(host)))
    return ServeError(
        i18n._("cannot listen on {host} port {port}: {problem}").format(
            host=clean_line(host), port=port, problem=error.strerror
        )
    )


def options_given(arguments: argparse.Namespace, language: str) -> SessionOptions:
    """`language` is the one negotiated from `--lang`, if that was given (an unknown one was warned of once)."""
    return SessionOptions(
        data_dir=getattr(arguments, "data_dir", None),
        language=language if getattr(arguments, "lang", None) is not None else None,
        agent=getattr(arguments, "agent", None),
        config=getattr(arguments, "config", None),
        demo=bool(getattr(arguments, "demo", False)),
    )
