"""Mail written byte by byte for the tests: headers in the charset a customer's mail program would use, mbox
files and Maildir folders to put them in."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime
from pathlib import Path

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def encoded(text: str, charset: str) -> str:
    """`text` as an RFC 2047 encoded word in `charset`."""
    return Header(text, charset).encode()


def mail(
    body: str | bytes,
    *,
    sender: str = "Customer <customer@example.com>",
    subject: str = "A question",
    message_id: str | None = "<m1@example.com>",
    charset: str = "utf-8",
    content_type: str = "text/plain",
    when: datetime = WHEN,
    headers: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """One mail with an 8-bit body in `charset` (headers given as they should appear, ASCII)."""
    lines = [f"From: {sender}", f"Subject: {subject}", f"Date: {format_datetime(when)}"]
    if message_id is not None:
        lines.append(f"Message-ID: {message_id}")
    lines += [f"{name}: {value}" for name, value in headers]
    lines += [
        "MIME-Version: 1.0",
        f"Content-Type: {content_type}; charset={charset}",
        "Content-Transfer-Encoding: 8bit",
    ]
    data = body if isinstance(body, bytes) else body.encode(charset)
    return ("\n".join(lines) + "\n\n").encode("ascii") + data + b"\n"


def multipart(
    parts: list[bytes], *, kind: str = "mixed", sender: str = "Customer <customer@example.com>",
    subject: str = "A question", message_id: str = "<multi@example.com>",
) -> bytes:  # fmt: skip
    """A multipart mail of the given parts (each its headers, a blank line and its body)."""
    head = (
        f"From: {sender}\nSubject: {subject}\nDate: {format_datetime(WHEN)}\nMessage-ID: {message_id}\n"
        f'MIME-Version: 1.0\nContent-Type: multipart/{kind}; boundary="BOUNDARY"\n\nPreamble.\n'
    ).encode("ascii")
    body = b"".join(b"--BOUNDARY\n" + part + b"\n" for part in parts)
    return head + body + b"--BOUNDARY--\n"


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    """An mbox file as mail programs write it ("From " lines, a blank line between messages, body lines that
    start with "From " quoted)."""
    with path.open("wb") as file:
        for number, raw in enumerate(messages):
            if number:
                file.write(b"\n")
            file.write(b"From customer@example.com Tue Dec  1 09:30:00 2026\n")
            for line in raw.splitlines(keepends=True):
                file.write(b">" + line if line.startswith(b"From ") else line)
            if not raw.endswith(b"\n"):
                file.write(b"\n")
    return path


def write_maildir(path: Path, messages: list[bytes]) -> Path:
    """A Maildir holding `messages` in new/, delivered as an MDA does (written in tmp/, then moved)."""
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(raw)
    box.close()
    return path
