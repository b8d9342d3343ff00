"""`agent-console send`: replies leave through a real SMTP server (aiosmtpd on 127.0.0.1) or a sendmail
command, with the right headers; every failure is one line, the reply stays unsent, nothing is sent twice."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from console.store import Store
from tests.conftest import make_complaint, run_cli
from tests.mail_server import Keeper, mail_config, refuse_every_login, silent_server, smtp_server

BODY = "Poštovani gospodine Šimić,\n\nčestitamo: vaš novac je vraćen. Hvala na strpljenju — ćevapi, đak, žaba.\n"


@pytest.fixture
def desk(cli_data_dir: Path) -> Store:
    """A Croatian mail complaint with a reply stored, not sent."""
    store = Store(cli_data_dir)
    complaint = make_complaint(
        1,
        customer_name="Đuro Šimić",
        customer_email="djuro@kupac.example",
        language="hr",
        subject="Re: Povrat novca za narudžbu 1042",
        message_id="narudzba-1042@kupac.example",
    )
    store.add_complaints([complaint])
    store.add_reply("T-1", BODY, "hr", "ivana", reply_id="a1b2c3")
    return store


def send(capsys: pytest.CaptureFixture[str], config: Path, *more: str) -> tuple[int, str, str]:
    return run_cli(capsys, "--config", str(config), "send", "T-1", *more)


def test_a_croatian_reply_arrives_with_the_headers_a_mail_client_threads_by(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keeper = Keeper()
    with smtp_server(keeper) as port:
        status, out, err = send(capsys, mail_config(tmp_path, port))
    assert (status, err) == (0, "")
    assert "sent to djuro@kupac.example" in out
    ((received,),) = [keeper.received]
    mail = received.mail
    assert received.sender == "pomoc@trgovina.example"
    assert received.recipients == ["djuro@kupac.example"]
    assert str(mail["From"]) == "Ivana Horvat <pomoc@trgovina.example>"  # [agent] name shown, the shop's address
    assert mail["To"].addresses[0].display_name == "Đuro Šimić"
    assert mail["To"].addresses[0].addr_spec == "djuro@kupac.example"
    assert str(mail["Subject"]) == "Re: Povrat novca za narudžbu 1042"  # never "Re: Re:"
    assert mail["In-Reply-To"] == "<narudzba-1042@kupac.example>"
    assert mail["References"] == "<narudzba-1042@kupac.example>"
    assert mail["Message-ID"] == "<a1b2c3@trgovina.example>"
    assert mail["Content-Language"] == "hr"
    sent_at = parsedate_to_datetime(mail["Date"])
    assert abs((sent_at - datetime.now(UTC)).total_seconds()) < 600
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    assert mail.get_content() == BODY
    (delivery,) = desk.deliveries("T-1")
    assert (delivery.reply_id, delivery.message_id) == ("a1b2c3", "a1b2c3@trgovina.example")
    assert delivery.via == f"smtp 127.0.0.1:{port} none"


def test_sending_twice_sends_once(desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keeper = Keeper()
    with smtp_server(keeper) as port:
        assert send(capsys, mail_config(tmp_path, port))[0] == 0
        status, out, _err = send(capsys, mail_config(tmp_path, port))
    assert status == 0
    assert out == "Nothing to send: T-1 has no unsent reply.\n"
    assert len(keeper.received) == 1


def test_a_refused_recipient_is_one_line_and_the_reply_stays_unsent_until_sent_once(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keeper = Keeper(refused={"djuro@kupac.example"})
    with smtp_server(keeper) as port:
        config = mail_config(tmp_path, port)
        status, out, err = send(capsys, config)
        assert status == 1 and err == ""
        (line,) = out.splitlines()
        assert "not sent" in line and "refused the address djuro@kupac.example: 550" in line
        assert keeper.received == [] and desk.deliveries("T-1") == []
        assert desk.send_states("T-1")["a1b2c3"].state == "failed"
        keeper.refused.clear()  # the shop fixed its server
        assert send(capsys, config)[0] == 0
        assert send(capsys, config)[0] == 0
    assert len(keeper.received) == 1
    assert len(desk.deliveries("T-1")) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refused_login_is_one_line(desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keeper = Keeper()
    secret = tmp_path / "secret"
    secret.write_text("wrong-password\nsecond line is ignored\n", encoding="utf-8")
    extra = f'username = "pomoc"\npassword_command = "cat {secret}"\n'
    with smtp_server(keeper, authenticator=refuse_every_login, auth_require_tls=False, auth_required=True) as port:
        status, out, _err = send(capsys, mail_config(tmp_path, port, extra))
    assert status == 1
    (line,) = out.splitlines()
    assert "refused the login of pomoc: 535" in line
    assert "wrong-password" not in out
    assert keeper.received == [] and desk.send_states("T-1")["a1b2c3"].state == "failed"


def test_a_failing_password_command_is_one_line(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = 'username = "pomoc"\npassword_command = "sh -c \'echo gpg: decryption failed >&2; exit 2\'"\n'
    with smtp_server(Keeper()) as port:
        status, out, _err = send(capsys, mail_config(tmp_path, port, extra))
    assert status == 1
    assert out.splitlines() == [
        f"T-1: {out.split(': ', 2)[1]}: not sent: password_command failed (exit status 2): gpg: decryption failed"
    ]


def test_a_server_that_never_answers_is_one_line(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with silent_server() as port:
        status, out, _err = send(capsys, mail_config(tmp_path, port, "timeout = 1\n"))
    assert status == 1
    (line,) = out.splitlines()
    assert line.endswith(f"not sent: 127.0.0.1:{port} did not answer within 1 s")
    assert desk.send_states("T-1")["a1b2c3"].state == "failed"


def test_no_server_listening_is_one_line(desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with silent_server() as port:
        pass  # closed again: nobody listens there now
    status, out, _err = send(capsys, mail_config(tmp_path, port))
    assert status == 1
    assert out.splitlines()[0].endswith(f"not sent: cannot reach 127.0.0.1:{port}: Connection refused")


def test_starttls_asked_of_a_server_without_it_is_one_line(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keeper = Keeper()
    with smtp_server(keeper) as port:
        config = mail_config(tmp_path, port)
        config.write_text(config.read_text(encoding="utf-8").replace('"none"', '"starttls"'), encoding="utf-8")
        status, out, _err = send(capsys, config)
    assert status == 1
    assert "does not offer what security = starttls needs" in out
    assert keeper.received == []


def test_sendmail_gets_the_mail_on_its_stdin(desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    caught = tmp_path / "caught.eml"
    script = tmp_path / "fake-sendmail"
    script.write_text(f'#!/bin/sh\n[ "$1" = -t ] || exit 64\ncat > {caught}\n', encoding="utf-8")
    script.chmod(0o755)
    config = tmp_path / "config.toml"
    config.write_text(f'[mail]\nfrom = "pomoc@trgovina.example"\nsendmail = "{script} -t"\n', encoding="utf-8")
    status, out, _err = send(capsys, config)
    assert status == 0, out
    from email import message_from_bytes
    from email.policy import default

    mail = message_from_bytes(caught.read_bytes(), policy=default)
    assert mail["To"].addresses[0].addr_spec == "djuro@kupac.example"
    assert mail["From"].addresses[0].display_name == ""
    assert mail.get_content() == BODY  # type: ignore[attr-defined]
    assert desk.deliveries("T-1")[0].via == f"sendmail {script}"


def test_a_sendmail_command_without_t_gets_the_recipient_after_its_options(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = tmp_path / "arguments"
    script = tmp_path / "fake-sendmail"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {arguments}\ncat > /dev/null\n', encoding="utf-8")
    script.chmod(0o755)
    config = tmp_path / "config.toml"
    config.write_text(f'[mail]\nfrom = "pomoc@trgovina.example"\nsendmail = "{script} -oi"\n', encoding="utf-8")
    assert send(capsys, config)[0] == 0
    assert arguments.read_text(encoding="utf-8").splitlines() == ["-oi", "--", "djuro@kupac.example"]


def test_a_failing_sendmail_is_its_first_line_of_stderr(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "broken-sendmail"
    script.write_text("#!/bin/sh\necho 'msmtp: account default not found' >&2\necho more >&2\nexit 78\n")
    script.chmod(0o755)
    config = tmp_path / "config.toml"
    config.write_text(f'[mail]\nfrom = "pomoc@trgovina.example"\nsendmail = "{script}"\n', encoding="utf-8")
    status, out, _err = send(capsys, config)
    assert status == 1
    assert out.splitlines()[0].endswith("failed (exit status 78): msmtp: account default not found")
    assert desk.deliveries("T-1") == []


def test_no_mail_table_or_an_unknown_id_is_a_user_error(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    status, out, err = send(capsys, empty)
    assert (status, out) == (2, "")
    assert err.startswith("agent-console: no [mail] table in ") and err.count("\n") == 1
    with smtp_server(Keeper()) as port:
        status, _out, err = run_cli(capsys, "--config", str(mail_config(tmp_path, port)), "send", "NOPE")
    assert status == 2 and err == "agent-console: no complaint with id 'NOPE'\n"


@pytest.mark.parametrize(
    "address", ["djuro@kupac.example\r\nBcc: everyone@victim.example", "", "not an address", "a@b.example, c@d.example"]
)
def test_a_customer_address_that_cannot_be_used_is_refused_in_one_line(
    cli_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], address: str
) -> None:
    store = Store(cli_data_dir)
    store.add_complaints([make_complaint(1, customer_email=address)])
    store.add_reply("T-1", "Hello", "en", "ivana")
    keeper = Keeper()
    with smtp_server(keeper) as port:
        status, out, err = send(capsys, mail_config(tmp_path, port))
    assert (status, out) == (2, "")
    assert err.startswith("agent-console: T-1") and err.count("\n") == 1 and "\r" not in err
    assert keeper.received == [] and store.send_states("T-1") == {}


def test_a_send_cut_short_is_reported_never_sent_again_unless_asked(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A process killed between the server taking the mail and the desk recording it."""
    keeper = Keeper()
    with smtp_server(keeper) as port:
        config = mail_config(tmp_path, port)
        crashing = textwrap.dedent(
            f"""
            import os
            from pathlib import Path
            from console.store import Store
            store = Store(Path({str(desk.directory)!r}))
            store.begin_sending("a1b2c3", "T-1", "a1b2c3@trgovina.example", "ivana")
            os._exit(9)  # killed: no "sent", no "failed"
            """
        )
        done = subprocess.run([sys.executable, "-c", crashing], cwd=Path(__file__).parent.parent, check=False)
        assert done.returncode == 9
        status, out, _err = send(capsys, config)
        assert status == 1
        assert "may have been sent at" in out and "`send --again T-1` to send it once more" in out
        assert keeper.received == []
        status, out, _err = send(capsys, config, "--again")
        assert status == 0 and "sent to djuro@kupac.example" in out
    assert len(keeper.received) == 1
    assert keeper.received[0].mail["Message-ID"] == "<a1b2c3@trgovina.example>"  # the same mail to the customer


def test_two_processes_sending_at_once_send_once(desk: Store, tmp_path: Path) -> None:
    keeper = Keeper()
    with smtp_server(keeper) as port:
        config = mail_config(tmp_path, port)
        environment = {**os.environ, "AGENT_CONSOLE_DATA": str(desk.directory), "LANGUAGE": "en"}
        command = [sys.executable, "-m", "console", "--config", str(config), "send", "T-1"]
        runs = [
            subprocess.Popen(
                command, env=environment, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent
            )
            for _ in range(4)
        ]
        outputs = [run.communicate(timeout=60)[0] for run in runs]
    assert len(keeper.received) == 1
    assert sum("sent to djuro@kupac.example" in output for output in outputs) == 1
    others = [output for output in outputs if "sent to" not in output]
    assert all("being sent by" in output or "sent at" in output or "Nothing to send" in output for output in others)
    assert len(desk.deliveries("T-1")) == 1


def password_script(tmp_path: Path, body: str) -> str:
    script = tmp_path / "password.sh"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o700)
    return f'username = "pomoc"\npassword_command = "{script}"\n'


@pytest.mark.parametrize("body", ["yes SECRET-WORD | head -c 100000", "exec yes SECRET-WORD"])
def test_a_password_command_printing_too_much_is_one_line_that_never_shows_it(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    keeper = Keeper()
    with smtp_server(keeper) as port:
        status, out, err = send(capsys, mail_config(tmp_path, port, password_script(tmp_path, body)))
    assert status == 1
    (line,) = out.splitlines()
    assert "password_command printed more than 4 KiB" in line
    assert "SECRET" not in out + err
    assert keeper.received == [] and desk.send_states("T-1")["a1b2c3"].state == "failed"


def test_a_password_command_printing_nothing_says_so_in_one_line(
    desk: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with smtp_server(Keeper()) as port:
        status, out, _err = send(capsys, mail_config(tmp_path, port, password_script(tmp_path, "exit 0")))
    assert status == 1
    (line,) = out.splitlines()
    assert line.endswith(": not sent: password_command printed no password")
