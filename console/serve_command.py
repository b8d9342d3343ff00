"""`agent-console serve`: the desk in a web browser through textual-serve, each browser session its own app.

textual-serve has no log-in (textual-serve#41): whoever reaches the port works the desk as the agent who
started the server. So it listens on this machine only (loopback) unless a flag that says so is given;
SSH port forwarding brings it to another machine safely (README, "The desk in a browser"). This module is
imported at every start (the command line is built with it); what `serve` does is in console/serving.py
and console/web_server.py, imported when it runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import Protocol

from console import i18n
from console.safe_text import clean_line

COMMAND = "serve"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PUBLIC_FLAG = "--unauthenticated-public"
EXIT_BAD_REQUEST = 2
TITLE = "agent-console"


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


_PLAIN_URL = re.compile(r"https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?")
"""What a browser can be sent to: a scheme, a host name or address, a port, a path; no log-in, query or quote
(textual-serve writes it into its page as it is, unescaped)."""


def _public_url(text: str) -> str:
    if not _PLAIN_URL.fullmatch(text):
        raise argparse.ArgumentTypeError(
            i18n._("{value} is not an http:// or https:// address").format(value=repr(clean_line(text)))
        )
    return text.rstrip("/")  # textual-serve appends paths that start with "/"


def run(arguments: argparse.Namespace, language: str) -> int:
    """Serve until Ctrl-C (exit 0); a refused host or a port that cannot be had is one line, exit 2."""
    from console.serving import (
        ServeError,
        check_host,
        check_port_free,
        default_url,
        is_loopback,
        options_given,
        session_command,
    )

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
