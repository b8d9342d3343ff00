"""`agent-console serve`: the desk in a web browser through textual-serve, each browser session its own app.

textual-serve has no log-in (textual-serve#41): whoever reaches the port works the desk as the agent who
started the server. So it listens on this machine only (loopback) unless a flag that says so is given;
SSH port forwarding brings it to another machine safely (README, "The desk in a browser").
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import shlex
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, Protocol

from console import i18n
from console.safe_text import clean_line

COMMAND = "serve"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PUBLIC_FLAG = "--unauthenticated-public"
EXIT_BAD_REQUEST = 2
TITLE = "agent-console"


class ServeError(Exception):
    """The desk cannot be served as asked (a host refused, a port taken); the message is one line."""


class SessionOptions(NamedTuple):
    """The options each browser session's app starts with: those `serve` was given."""

    data_dir: Path | None = None
    language: str | None = None
    agent: str | None = None
    config: Path | None = None
    demo: bool = False


class _Arguments(Protocol):
    def add_argument(self, *names: str, **settings: object) -> argparse.Action: ...


class _Command(Protocol):
    @property
    def options(self) -> _Arguments: ...


def register(command: Callable[[str, str], _Command]) -> None:
    """Add `serve` to the command line (`command` makes a subcommand with the common options)."""
    _ = i18n._
    server = command(COMMAND, _("open the TUI in a web browser (textual-serve; this machine only, unless asked)"))
    server.options.add_argument(
        "--host",
        default=DEFAULT_HOST,
        metavar=_("HOST"),
        help=_("the address to listen on (default: {host}; only a loopback address without {flag})").format(
            host=DEFAULT_HOST, flag=PUBLIC_FLAG
        ),
    )
    server.options.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        metavar=_("PORT"),
        help=_("the port to listen on (default: {port})").format(port=DEFAULT_PORT),
    )
    server.options.add_argument(
        "--public-url",
        type=_public_url,
        metavar="URL",
        help=_("the address browsers reach the server at, if not http://HOST:PORT (a forwarded port, a proxy)"),
    )
    server.options.add_argument(
        PUBLIC_FLAG,
        dest="unauthenticated_public",
        action="store_true",
        help=_(
            "allow an address other than loopback: there is no log-in, so anyone who reaches the port"
            " can read and change the desk"
        ),
    )
    server.options.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,  # `agent-console --demo serve` sets it too: not overwritten with False
        help=_("serve a temporary copy of the demo data (each browser session its own)"),
    )


def _port(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(i18n._("{value} is not a port number (1–65535)").format(value=repr(text)))
    return number


def _public_url(text: str) -> str:
    if not text.startswith(("http://", "https://")) or text != clean_line(text) or " " in text:
        raise argparse.ArgumentTypeError(
            i18n._("{value} is not an http:// or https:// address").format(value=repr(clean_line(text)))
        )
    return text.rstrip("/")  # textual-serve appends paths that start with "/"


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
    this machine's is one line before anything is printed (a port taken in between is still one line)."""
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


def run(arguments: argparse.Namespace, language: str) -> int:
    """Serve until Ctrl-C (exit 0); a refused host or a port that cannot be had is one line, exit 2."""
    host: str = arguments.host
    try:
        check_host(host, arguments.unauthenticated_public)
        url = arguments.public_url or default_url(host, arguments.port)
        if not is_loopback(host):
            print(i18n._("Warning: {url} has no log-in: anyone who reaches it can read and change the desk.").format(
                url=url
            ), file=sys.stderr)  # fmt: skip
        check_port_free(host, arguments.port)
        command = session_command(sys.executable, options_given(arguments, language))
        from console.web_server import serve

        serve(command, host, arguments.port, url, TITLE)
    except ServeError as error:
        print(f"agent-console: {error}", file=sys.stderr)
        return EXIT_BAD_REQUEST
    return 0
