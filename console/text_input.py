"""The text a command is given to read (`reply --file F`, `phrases check FILE`): a file or, for `-`,
standard input, as UTF-8, bounded, never waited on. One reader, so that every command refuses a fifo,
a device and a huge file alike, in the same words."""

from __future__ import annotations

import os
import stat
import sys

from console import i18n
from console.safe_text import clean_line

TEXT_LIMIT = 1 << 20
"""The longest text read, in bytes: a reply is a letter, not an attachment."""


class NotRegularFile(OSError):
    """A fifo, a device or a folder where a file to read was expected."""


class UnreadableText(Exception):
    """The text cannot be had (missing, not a regular file, too large, not UTF-8); the message is one line."""


def read_text(name: str, limit: int = TEXT_LIMIT) -> str:
    """The text of file `name` or, for `-`, of standard input. A link to a regular file is followed (it is
    the user's own input, nothing is written); a fifo or a device is refused, never waited on or read
    without end."""
    shown = i18n._("standard input") if name == "-" else clean_line(name)
    try:
        raw = sys.stdin.buffer.read(limit + 1) if name == "-" else read_regular(name, limit + 1)
    except OSError as error:
        problem = error.strerror or str(error)
        raise UnreadableText(i18n._("cannot read {path}: {problem}").format(path=shown, problem=problem)) from None
    if len(raw) > limit:
        raise UnreadableText(i18n._("{path}: a reply is at most {size} bytes").format(path=shown, size=limit))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problem = i18n._("{path} is not UTF-8 text (byte {offset})")
        raise UnreadableText(problem.format(path=shown, offset=error.start)) from None


def read_regular(name: str | os.PathLike[str], size: int) -> bytes:
    """At most `size` bytes of a regular file (a link to one is followed); OSError for anything else."""
    descriptor = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as opened:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotRegularFile(0, i18n._("not a regular file"))
        os.set_blocking(descriptor, True)
        return opened.read(size)
