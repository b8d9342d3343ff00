"""Writing files so that a crash at any moment leaves either the old or the new file, whole."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

PRIVATE_FILE = 0o600
SHARED_FILE = 0o660
"""Data files are the agent's own, or the group's when the data directory is a shared group directory."""


def file_mode(directory: Path) -> int:
    """0600, or 0660 when `directory` is a group's shared directory (group-writable or set-group-id)."""
    try:
        mode = directory.stat().st_mode
    except OSError:
        return PRIVATE_FILE
    return SHARED_FILE if mode & 0o2020 else PRIVATE_FILE


class UnsafeFile(OSError):
    """A path that is not a regular file where one was expected: a symlink, fifo, device or folder that
    someone else may have put there. Never written through, never opened blocking."""


def open_regular(path: Path, flags: int, mode: int = PRIVATE_FILE) -> int:
    """`os.open` that never follows a symlink in the last component (O_NOFOLLOW), never blocks on a fifo
    (O_NONBLOCK, cleared again for a regular file) and refuses anything but a regular file (fstat).
    In a shared desk a neighbour could otherwise make our next append land in a file of theirs choosing."""
    try:
        descriptor = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafeFile(errno.ELOOP, "is a symbolic link, refused", str(path)) from None
        if error.errno == errno.ENXIO:  # a fifo with no reader, opened for writing
            raise UnsafeFile(errno.ENXIO, "is not a regular file, refused", str(path)) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise UnsafeFile(errno.EINVAL, "is not a regular file, refused", str(path))
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file, read without following a symlink or blocking on a fifo (UnsafeFile):
    a neighbour's link must not make us read, and later rewrite into the desk, a file of ours."""
    descriptor = open_regular(path, os.O_RDONLY)
    with os.fdopen(descriptor, "rb") as file:
        return file.read()


def folder_mode(parent: Path) -> int:
    """02770 for a folder in a group's shared directory (group-writable or set-group-id), else 0700."""
    return 0o2770 if file_mode(parent) == SHARED_FILE else 0o700


def make_data_dir(directory: Path) -> None:
    """Create the data directory (and its parents) when missing: the directory itself exactly 0700, or
    02770 in a group's shared directory, whatever the umask (0 would make it writable by everyone)."""
    if directory.is_dir():
        return
    missing = [folder for folder in directory.absolute().parents if not folder.exists()]
    for folder in reversed(missing):  # private, as XDG asks of ~/.local/share: the umask may only take bits off
        folder.mkdir(mode=0o700, exist_ok=True)
    make_folder(directory, folder_mode(directory.parent))


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in `directory` survive a power cut."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def refuse_special_file(path: Path) -> None:
    """For output a person names (`-o FILE`): a file or a link there may be replaced, a device, fifo, socket or
    folder never (UnsafeFile). A rename over /dev/null, run as root, leaves a regular file where every
    program's discarded output then goes."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return
    if not (stat.S_ISREG(status.st_mode) or stat.S_ISLNK(status.st_mode)):
        raise UnsafeFile(errno.EEXIST, "not a regular file", str(path))


def fsync_directories(folders: set[Path]) -> None:
    """Fsync each of `folders` (those `write_atomically` left to its caller) and forget them."""
    for folder in sorted(folders):
        fsync_directory(folder)
    folders.clear()


def write_atomically(
    path: Path, payload: bytes, mode: int = PRIVATE_FILE, durable: bool = True, folders: set[Path] | None = None
) -> None:
    """Replace `path` with `payload`: a temporary file in the same directory, flushed and fsynced, then
    os.replace()d over the old one, then the directory fsynced. `durable=False` skips both fsyncs, for
    files that only matter while their writer runs. `folders`: the directory is added to it instead of
    fsynced, for a caller that replaces several files in one folder and fsyncs it once after the last
    (`fsync_directories`); until then the file is whole, old or new, but the new one may not survive a
    power cut."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            if mode != PRIVATE_FILE:
                os.fchmod(file.fileno(), mode)
            file.write(payload)
            file.flush()
            if durable:
                os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if durable and folders is not None:
        folders.add(path.parent)
    elif durable:
        fsync_directory(path.parent)


def remove_orphans(directory: Path) -> list[Path]:
    """Delete temporary files a killed writer left in `directory`. Only call this holding the desk's lock,
    when no write can be under way."""
    removed = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
    for entry in entries:
        if entry.name.startswith(".") and entry.name.endswith(".tmp"):
            Path(entry.path).unlink(missing_ok=True)
            removed.append(Path(entry.path))
    return removed


def make_folder(path: Path, mode: int) -> bool:
    """Create `path` with exactly `mode` (the umask would take the group's write bit off a shared one); whether
    it was made now (then its parent needs an fsync for the folder to survive a power cut)."""
    try:
        path.mkdir()
    except FileExistsError:
        if not stat.S_ISDIR(os.lstat(path).st_mode):  # a link planted in place of a folder is not followed
            raise UnsafeFile(errno.ENOTDIR, "is not a folder, refused", str(path)) from None
        return False
    os.chmod(path, mode)
    return True
