"""Sending over STARTTLS and TLS to a real server (aiosmtpd) with a certificate from a test CA (trustme): the
mail goes out when the CA is trusted (SSL_CERT_FILE, as OpenSSL reads it), the login only inside TLS, and a
certificate nobody vouches for is one line, the reply unsent."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword

from console.store import Store
from tests.conftest import make_complaint, run_cli
from tests.mail_server import Keeper, mail_config, smtp_server

PASSWORD = "s3cret-Zagreb"


@pytest.fixture
def desk(cli_data_dir: Path) -> Store:
    store = Store(cli_data_dir)
    store.add_complaints([make_complaint(1, customer_email="djuro@kupac.example", message_id="n-1@kupac.example")])
    store.add_reply("T-1", "Poštovani, novac je vraćen.", "hr", "ivana", reply_id="tls1")
    return store


@pytest.fixture
def certificate(tmp_path: Path) -> Iterator[tuple[ssl.SSLContext, Path]]:
    """A server context with a certificate for 127.0.0.1 and the PEM file of the CA that issued it."""
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    pem = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(pem))
    yield server, pem


def accept_the_shop(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"pomoc", PASSWORD.encode())
    return AuthResult(success=ok)


def _config(tmp_path: Path, port: int, security: str) -> Path:
    secret = tmp_path / "secret"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    extra = f'username = "pomoc"\npassword_command = "cat {secret}"\n'
    config = mail_config(tmp_path, port, extra)
    config.write_text(config.read_text(encoding="utf-8").replace('"none"', f'"{security}"'), encoding="utf-8")
    return config


def _server_settings(security: str, context: ssl.SSLContext) -> dict[str, Any]:
    """STARTTLS required before the login; or TLS from the first byte (which aiosmtpd does not count as TLS
    for AUTH, hence auth_require_tls off there)."""
    if security == "starttls":
        return {"tls_context": context, "require_starttls": True}
    return {"ssl_context": context, "auth_require_tls": False}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_send_with_a_login_arrives_when_the_ca_is_trusted(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    certificate: tuple[ssl.SSLContext, Path], security: str,
) -> None:  # fmt: skip
    context, pem = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    keeper = Keeper()
    settings = _server_settings(security, context)
    with smtp_server(keeper, authenticator=accept_the_shop, auth_required=True, **settings) as port:
        status, out, err = run_cli(capsys, "--config", str(_config(tmp_path, port, security)), "send", "T-1")
    assert (status, err) == (0, ""), out
    assert [received.recipients for received in keeper.received] == [["djuro@kupac.example"]]
    assert PASSWORD not in out
    assert desk.deliveries("T-1")[0].via == f"smtp 127.0.0.1:{port} {security}"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_no_trusted_ca_signed_is_refused_in_one_line(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    certificate: tuple[ssl.SSLContext, Path], security: str,
) -> None:  # fmt: skip
    context, _pem = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))  # the test CA is nobody's
    keeper = Keeper()
    settings = {**_server_settings(security, context), "require_starttls": False, "auth_require_tls": False}
    with smtp_server(keeper, authenticator=accept_the_shop, **settings) as port:
        status, out, err = run_cli(capsys, "--config", str(_config(tmp_path, port, security)), "send", "T-1")
    assert (status, err) == (1, "")
    (line,) = out.splitlines()
    assert "no secure connection to 127.0.0.1" in line and "CERTIFICATE_VERIFY_FAILED" in line
    assert PASSWORD not in out and keeper.received == []
    assert desk.send_states("T-1")["tls1"].state == "failed"


def test_the_password_is_in_no_command_line_of_the_sending_process(
    desk: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, certificate: tuple[ssl.SSLContext, Path]
) -> None:
    """`send` as its own process, the test CA trusted through SSL_CERT_FILE in its environment; while the server
    checks the login, the sender's command line (and its children's) is read from /proc."""
    import os
    import subprocess
    import sys

    context, pem = certificate
    seen: list[bytes] = []
    sender: list[int] = []

    def look_then_accept(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        for pid in [*sender, *_children(sender[0])]:
            seen.append(Path(f"/proc/{pid}/cmdline").read_bytes())
        return accept_the_shop(server, session, envelope, mechanism, data)

    keeper = Keeper()
    with smtp_server(keeper, authenticator=look_then_accept, **_server_settings("starttls", context)) as port:
        process = subprocess.Popen(
            [sys.executable, "-m", "console", "--config", str(_config(tmp_path, port, "starttls")), "send", "T-1"],
            env={**os.environ, "SSL_CERT_FILE": str(pem)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        sender.append(process.pid)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, (out, err)
    assert seen and all(PASSWORD.encode() not in line for line in seen)
    assert PASSWORD.encode() not in out + err and len(keeper.received) == 1


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
