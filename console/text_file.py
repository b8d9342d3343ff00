"""Saving a reply's text to a file the agent names: written whole or not at all, never through a link."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from console.i18n import _
from console.store.atomic import PRIVATE_FILE, write_atomically


class TextFileError(Exception):
    """The file cannot be written; str() is one line naming the file and why."""


def default_name(complaint_id: str) -> str:
    """`reply-T-3.txt`: the id with anything but letters, digits, `.`, `-` and `_` made `_`."""
    safe = "".join(character if character.isalnum() or character in "._-" else "_" for character in complaint_id)
    return f"reply-{safe.lstrip('.') or 'complaint'}.txt"


def write_text_file(path: Path, text: str) -> Path:
    """Write `text` (UTF-8, ending in a newline) to `path`, replacing a regular file there. A symbolic link
    or anything else that is not a regular file is refused, as is a folder that is not there."""
    path = path.expanduser()
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    except OSError as error:
        raise TextFileError(_("{path}: {problem}").format(path=path, problem=error.strerror)) from None
    if found is not None and stat.S_ISLNK(found.st_mode):
        raise TextFileError(_("{path} is a symbolic link; not written through it.").format(path=path))
    if found is not None and not stat.S_ISREG(found.st_mode):
        raise TextFileError(_("{path} is not a regular file; not written.").format(path=path))
    if not path.parent.is_dir():
        raise TextFileError(_("{path}: the folder {folder} does not exist.").format(path=path, folder=path.parent))
    payload = text if text.endswith("\n") else text + "\n"
    try:
        write_atomically(path, payload.encode("utf-8"), PRIVATE_FILE)
    except OSError as error:
        raise TextFileError(_("{path}: {problem}").format(path=path, problem=error.strerror or error)) from None
    return path
