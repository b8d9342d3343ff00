"""Handing a mail to the world: an SMTP server (smtplib: STARTTLS, TLS or plain, a login whose password a
command such as `pass` gives) or a sendmail-compatible command (msmtp, sendmail; the mail on its stdin, no
shell). Every failure is one `SendFailed` line; `uncertain` says the mail may have left all the same."""

from __future__ import annotations

import os
import selectors
import smtplib
import ssl
import subprocess
import time
from email.message import EmailMessage
from email.policy import SMTP

from console.config import MailConfig
from console.i18n import _
from console.safe_text import clean_line

MAX_ERROR = 200
"""A server's or command's words, as much as one line shows."""
PASSWORD_LIMIT = 4096
"""The most a password_command may print: a password (and the few lines `pass` adds) is far shorter, and a
command that prints without end is stopped here rather than filling memory."""


class SendFailed(Exception):
    """The mail was not handed on; str() is one line in the current language."""

    def __init__(self, problem: str, uncertain: bool = False) -> None:
        super().__init__(problem)
        self.uncertain = uncertain
        """The server may have taken it (the connection broke after the whole mail was sent)."""


def via(mail: MailConfig) -> str:
    """How a mail leaves, for people: "smtp mail.example.com:587 starttls" or "sendmail /usr/bin/msmtp"."""
    if mail.sendmail:
        return f"sendmail {mail.sendmail[0]}"
    return f"smtp {mail.smtp_host}:{mail.smtp_port} {mail.security}"


def send(message: EmailMessage, mail: MailConfig) -> str:
    """Hand `message` on as `mail` says; returns `via(mail)`. SendFailed when it was not taken."""
    if mail.sendmail:
        _sendmail(message, mail.sendmail, mail.timeout)
    else:
        _smtp(message, mail)
    return via(mail)


def _said(words: object) -> str:
    """What a server or command said, as one short line."""
    if isinstance(words, bytes):
        words = words.decode("utf-8", "replace")
    return clean_line(" ".join(str(words).split()))[:MAX_ERROR]


def _first_line(data: bytes) -> str:
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    return _said(lines[0]) if lines else ""


def password(command: tuple[str, ...], timeout: float) -> str:
    """The first line `command` prints: run without a shell, its stdin closed, never echoed nor kept. What it
    prints is read up to PASSWORD_LIMIT: more is refused (the command is stopped), and its output is never
    part of an error line."""
    try:
        status, printed, complaint = _bounded_run(command, timeout)
    except FileNotFoundError:
        raise SendFailed(_("password_command: no program {program}").format(program=clean_line(command[0]))) from None
    except subprocess.TimeoutExpired:
        raise SendFailed(
            _("password_command gave no password within {seconds} s").format(seconds=int(timeout))
        ) from None
    except OSError as error:
        raise SendFailed(_("password_command cannot be run: {problem}").format(problem=error.strerror)) from None
    if len(printed) > PASSWORD_LIMIT:
        raise SendFailed(_("password_command printed more than 4 KiB; it should print the password alone"))
    if status != 0:
        raise SendFailed(
            _("password_command failed (exit status {status}): {problem}").format(
                status=status, problem=_first_line(complaint) or _("no message")
            )
        )
    lines = printed.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0]:
        raise SendFailed(_("password_command printed no password"))
    return lines[0]


def _bounded_run(command: tuple[str, ...], timeout: float) -> tuple[int, bytes, bytes]:
    """Run `command` (no shell, stdin closed): its exit status and the first PASSWORD_LIMIT + 1 bytes of its
    stdout and of its stderr. It is killed as soon as its stdout passes the limit (TimeoutExpired when it has
    not finished within `timeout` seconds), so an endless printer costs no memory."""
    deadline = time.monotonic() + timeout
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    printed, complaint = bytearray(), bytearray()
    buffers = {process.stdout.fileno(): printed, process.stderr.fileno(): complaint}
    with process, selectors.DefaultSelector() as selector:
        for pipe in (process.stdout, process.stderr):
            selector.register(pipe, selectors.EVENT_READ)
        while selector.get_map() and len(printed) <= PASSWORD_LIMIT:
            ready = selector.select(max(0.0, deadline - time.monotonic()))
            if not ready:
                process.kill()
                raise subprocess.TimeoutExpired(command, timeout)
            for key, _events in ready:
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                buffer = buffers[key.fd]
                buffer += chunk[: PASSWORD_LIMIT + 1 - len(buffer)]
        if len(printed) > PASSWORD_LIMIT:
            process.kill()
        try:
            status = process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    return status, bytes(printed), bytes(complaint)


def _smtp(message: EmailMessage, mail: MailConfig) -> None:
    assert mail.smtp_host is not None
    secret = password(mail.password_command, mail.timeout) if mail.password_command else None
    where = f"{clean_line(mail.smtp_host)}:{mail.smtp_port}"
    sender, recipient = message["From"].addresses[0].addr_spec, message["To"].addresses[0].addr_spec
    payload = message.as_bytes(policy=SMTP)
    context = ssl.create_default_context()
    client: smtplib.SMTP | None = None
    sent = False
    try:
        if mail.security == "tls":
            client = smtplib.SMTP_SSL(mail.smtp_host, mail.smtp_port, timeout=mail.timeout, context=context)
        else:
            client = smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=mail.timeout)
        client.ehlo()
        if mail.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if mail.username is not None:
            client.login(mail.username, secret or "")
        code, said = client.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, said, sender)
        code, said = client.rcpt(recipient)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({recipient: (code, said)})
        try:
            code, said = client.data(payload)
        except (smtplib.SMTPServerDisconnected, TimeoutError, OSError) as error:
            problem = _("{server} stopped answering once it had the mail ({problem})")
            raise SendFailed(problem.format(server=where, problem=_said(error) or type(error).__name__), True) from None
        if code != 250:
            raise smtplib.SMTPDataError(code, said)
        sent = True
    except SendFailed:
        raise
    except smtplib.SMTPRecipientsRefused as error:
        ((address, (code, said)),) = error.recipients.items()
        raise SendFailed(
            _("{server} refused the address {address}: {code} {said}").format(
                server=where, address=clean_line(address), code=code, said=_said(said)
            )
        ) from None
    except smtplib.SMTPAuthenticationError as error:
        raise SendFailed(
            _("{server} refused the login of {user}: {code} {said}").format(
                server=where, user=clean_line(mail.username or ""), code=error.smtp_code, said=_said(error.smtp_error)
            )
        ) from None
    except smtplib.SMTPNotSupportedError as error:
        raise SendFailed(
            _("{server} does not offer what security = {security} needs: {said}").format(
                server=where, security=mail.security, said=_said(error)
            )
        ) from None
    except smtplib.SMTPResponseException as error:  # sender refused, data refused, a helo refused
        raise SendFailed(
            _("{server} refused the mail: {code} {said}").format(
                server=where, code=error.smtp_code, said=_said(error.smtp_error)
            )
        ) from None
    except ssl.SSLError as error:
        raise SendFailed(
            _("no secure connection to {server}: {problem}").format(server=where, problem=_said(error.reason or error))
        ) from None
    except (TimeoutError, smtplib.SMTPServerDisconnected) as error:
        if not isinstance(error, TimeoutError) and not isinstance(error.__context__, TimeoutError):
            raise SendFailed(_("cannot reach {server}: {problem}").format(server=where, problem=_said(error))) from None
        raise SendFailed(
            _("{server} did not answer within {seconds} s").format(server=where, seconds=int(mail.timeout))
        ) from None
    except (smtplib.SMTPException, OSError) as error:  # refused, unknown host, disconnected
        problem = getattr(error, "strerror", None) or _said(error) or type(error).__name__
        raise SendFailed(_("cannot reach {server}: {problem}").format(server=where, problem=problem)) from None
    finally:
        if client is not None:
            _goodbye(client, sent)


def _goodbye(client: smtplib.SMTP, polite: bool) -> None:
    """QUIT after a mail sent, only closing after a failure (a server that went silent is not waited for
    twice). The mail is taken or not already: how the goodbye goes changes nothing."""
    try:
        if polite:
            client.quit()
    except (smtplib.SMTPException, OSError):
        pass
    client.close()


def _sendmail(message: EmailMessage, command: tuple[str, ...], timeout: float) -> None:
    """The mail on the command's stdin (as `sendmail -t` and `msmtp -t` take it; without `-t` the recipient
    follows the command's words, after `--`, as mutt gives it); a non-zero exit is a failure with its first
    line of stderr."""
    program = clean_line(command[0])
    if "-t" not in command[1:]:
        command = (*command, "--", message["To"].addresses[0].addr_spec)
    try:
        done = subprocess.run(
            command, input=message.as_bytes(), capture_output=True, timeout=timeout, check=False
        )  # fmt: skip
    except FileNotFoundError:
        raise SendFailed(_("sendmail: no program {program}").format(program=program)) from None
    except subprocess.TimeoutExpired:
        raise SendFailed(
            _("{program} did not finish within {seconds} s").format(program=program, seconds=int(timeout)), True
        ) from None
    except OSError as error:
        raise SendFailed(
            _("{program} cannot be run: {problem}").format(program=program, problem=error.strerror)
        ) from None
    if done.returncode != 0:
        problem = _first_line(done.stderr) or _first_line(done.stdout) or _("no message")
        raise SendFailed(
            _("{program} failed (exit status {status}): {problem}").format(
                program=program, status=done.returncode, problem=problem
            )
        )
