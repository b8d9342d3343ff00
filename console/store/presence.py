"""Who has which complaint open right now, across processes and machines sharing the data directory
(a collision warning, as Zammad and Zendesk show it).

Each running agent-console keeps one small file in `presence/`, rewritten when the agent opens or leaves a
complaint and touched as a heartbeat while the app runs. A file not touched for STALE_SECONDS belongs to a
program that was killed and is ignored (and removed by whoever sees it). Presence is a hint, not data:
its files are not fsynced, not backed up and never block anyone.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from console.store.atomic import make_folder, read_regular, write_atomically

STALE_SECONDS = 15.0
HEARTBEAT_SECONDS = 5.0


class Viewer(NamedTuple):
    agent: str
    complaint_id: str
    since: datetime


class Presence:
    def __init__(self, directory: Path, agent: str, mode: int = 0o600) -> None:
        self.folder = directory / "presence"
        self.agent = agent
        self.mode = mode
        self.me = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}".replace("/", "_")
        self.path = self.folder / f"{self.me}.json"
        self.complaint_id: str | None = None
        self._touched = 0.0
        self._left = False

    def viewing(self, complaint_id: str | None) -> None:
        """Say which complaint this agent has open (None: none)."""
        if self._left:
            return
        self.complaint_id = complaint_id
        entry = {"agent": self.agent, "complaint": complaint_id, "since": datetime.now(UTC).isoformat()}
        try:
            make_folder(self.folder, 0o2770 if self.mode & 0o060 else 0o700)
            write_atomically(self.path, json.dumps(entry).encode("utf-8"), self.mode, durable=False)
            self._touched = time.monotonic()
        except OSError:
            pass  # a read-only or full disk costs the warning, never the agent's work

    def heartbeat(self) -> None:
        if self._left or time.monotonic() - self._touched < HEARTBEAT_SECONDS:
            return
        try:
            os.utime(self.path, follow_symlinks=False)
            self._touched = time.monotonic()
        except OSError:
            self.viewing(self.complaint_id)

    def leave(self) -> None:
        self._left = True
        self.path.unlink(missing_ok=True)

    def others_on(self, complaint_id: str) -> list[Viewer]:
        """The other agents (other programs) that have `complaint_id` open now, longest first."""
        viewers = []
        now = time.time()
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return []
        for entry in entries:
            if not entry.name.endswith(".json") or entry.name == self.path.name:
                continue
            try:
                status = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(status.st_mode):
                    continue  # a link or fifo someone planted: never opened (a fifo would block the screen)
                if now - status.st_mtime > STALE_SECONDS:
                    Path(entry.path).unlink(missing_ok=True)
                    continue
                data = json.loads(read_regular(Path(entry.path)))
                if data.get("complaint") == complaint_id:
                    viewers.append(Viewer(str(data["agent"]), complaint_id, datetime.fromisoformat(data["since"])))
            except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
                continue
        return sorted(viewers, key=lambda viewer: viewer.since)
