"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1 and a free port) that keeps what it receives, and
can refuse a recipient or every login."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Received:
    """What the server was given: the envelope and the mail."""

    sender: str
    recipients: list[str]
    mail: EmailMessage


@dataclass
class Keeper:
    refused: set[str] = field(default_factory=set)
    """Recipients answered with 550."""
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refused:
            return "550 5.1.1 <" + address + ">: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=default)
        assert isinstance(mail, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), mail))
        return "250 2.0.0 queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def refuse_every_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


@contextmanager
def smtp_server(keeper: Keeper, **settings: Any) -> Iterator[int]:
    """An SMTP server on 127.0.0.1 for the `with` block; yields its port."""
    port = free_port()
    controller = Controller(keeper, hostname="127.0.0.1", port=port, **settings)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that takes connections (the kernel's backlog) and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def mail_config(tmp_path: Path, port: int, extra: str = "", name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(
        f'[agent]\nname = "Ivana Horvat"\n[mail]\nfrom = "Trgovina <pomoc@trgovina.example>"\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nsecurity = "none"\n{extra}',
        encoding="utf-8",
    )
    return path
