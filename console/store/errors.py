"""What can go wrong with a data directory. Each kind carries its facts; the words for people are made where
they are shown (`labels.store_error`), in the reader's language."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """A problem with the data directory that the user can act on."""


class StoreCorrupt(StoreError):
    """A data file cannot be read as what it should hold; it is left exactly as it was."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path} is damaged ({problem}); it was left untouched")
        self.path = path
        self.problem = problem


class StoreLocked(StoreError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is locked by another agent-console for too long; try again")
        self.path = path


class StoreUnavailable(StoreError):
    """The operating system refused: disk full, no permission, read-only file system, a folder in the way."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path} cannot be used: {problem}")
        self.path = path
        self.problem = problem


class StoreUnsafe(StoreError):
    """A path in the desk is a symbolic link, fifo, device or other non-regular entry where a file or
    folder of the desk belongs (someone put it there): it is never written through, read or followed."""

    def __init__(self, path: Path, *more: Path) -> None:
        self.paths = (path, *more)
        self.path = path
        super().__init__(f"{self.named} is not a regular file or folder (a link or special file); it was not used")

    @property
    def named(self) -> str:
        return ", ".join(map(str, self.paths))


class StoreOpenToAll(StoreError):
    """The data directory is writable by every user of the machine: anyone could plant links in it."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is writable by everyone; make it a group desk instead (chmod 2770)")
        self.path = path


class StoreTooNew(StoreError):
    def __init__(self, path: Path, version: object, supported: int) -> None:
        super().__init__(f"{path} has schema version {version}; this agent-console reads {supported}")
        self.path = path
        self.version = version


class UnknownComplaint(StoreError, KeyError):
    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"no complaint with id {complaint_id!r}")
        self.complaint_id = complaint_id

    def __str__(self) -> str:
        return str(self.args[0])
