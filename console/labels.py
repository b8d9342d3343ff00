"""People-facing names of the desk's fixed values, as gettext message ids translated where shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.i18n import N_, _
from console.safe_text import clean_line
from console.store import (
    DraftsSetAside,
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreOpenToAll,
    StoreTooNew,
    StoreUnavailable,
    StoreUnsafe,
    UnknownComplaint,
)

if TYPE_CHECKING:
    from pathlib import Path

    from console.playbooks import Playbooks
    from console.store import Change
    from console.store.deliveries import SendState

_STATUS = {"open": N_("open"), "waiting": N_("waiting"), "resolved": N_("resolved")}
_PRIORITY = {"low": N_("low"), "normal": N_("normal"), "high": N_("high"), "urgent": N_("urgent")}
_CHANNEL = {"email": N_("e-mail"), "phone": N_("phone"), "chat": N_("chat"), "web": N_("web")}
_CHANNEL_SHORT = {"email": N_("mail"), "phone": N_("tel"), "chat": N_("chat"), "web": N_("web")}


def status(key: str) -> str:
    return _(_STATUS[key]) if key in _STATUS else key


def priority(key: str) -> str:
    return _(_PRIORITY[key]) if key in _PRIORITY else key


def channel(key: str, short: bool = False) -> str:
    names = _CHANNEL_SHORT if short else _CHANNEL
    return _(names[key]) if key in names else key


def change(record: Change, playbooks: Playbooks, language: str) -> str:
    """One history entry as a sentence fragment: `status open → waiting`, `ticked: Apologise`."""

    def step_title(key: str | None) -> str:
        playbook_id, _slash, step_id = (key or "").partition("/")
        if playbook_id in playbooks:
            for step in playbooks[playbook_id].steps:
                if step.id == step_id:
                    return step.title(language)
        return key or ""

    def playbook_title(playbook_id: str | None) -> str:
        if playbook_id is None or playbook_id not in playbooks:
            return playbook_id or "–"
        return playbooks[playbook_id].title(language)

    if record.field == "step":
        if record.new:
            return _("ticked: {step}").format(step=step_title(record.new))
        return _("unticked: {step}").format(step=step_title(record.old))
    if record.field == "assignee":
        if record.new:
            return _("assigned to {agent}").format(agent=clean_line(record.new))
        return _("unassigned")
    if record.field == "playbook":
        return _("playbook {old} → {new}").format(old=playbook_title(record.old), new=playbook_title(record.new))
    if record.field == "priority":
        return _("priority {old} → {new}").format(old=priority(record.old or ""), new=priority(record.new or ""))
    return _("status {old} → {new}").format(old=status(record.old or ""), new=status(record.new or ""))


def store_error(error: StoreError) -> str:
    """A store problem as one sentence in the current language."""
    if isinstance(error, UnknownComplaint):
        return _("no complaint with id {id}").format(id=repr(error.complaint_id))
    if isinstance(error, StoreCorrupt):
        return _("{path} is damaged ({problem}); it was left untouched").format(path=error.path, problem=error.problem)
    if isinstance(error, StoreLocked):
        return _("{path} is locked by another agent-console for too long; try again").format(path=error.path)
    if isinstance(error, StoreUnavailable):
        return _("{path} cannot be used: {problem}").format(path=error.path, problem=error.problem)
    if isinstance(error, StoreUnsafe):
        return _("{path} is not a regular file or folder (a link or special file); it was not used").format(
            path=error.named
        )
    if isinstance(error, StoreOpenToAll):
        return _(
            "{path} is writable by everyone; make it a group desk instead: chgrp TEAM {path} && chmod 2770 {path}"
        ).format(path=error.path)
    if isinstance(error, DraftsSetAside):
        return _(
            "Your drafts file {path} could not be read ({problem}); it was kept as {kept}, drafts start afresh."
        ).format(path=error.path, problem=error.problem, kept=error.kept.name)
    if isinstance(error, StoreTooNew):
        return _("{path} was written by a newer agent-console (schema {version}); update agent-console").format(
            path=error.path, version=error.version
        )
    return str(error)


def send_state(state: SendState | None) -> str:
    """Where a reply's sending by mail stands, in words (they read without colour): "sent 4.12. 14:03",
    "not sent", "sending…", "failed: …", "may have been sent 4.12. 14:03"."""
    from console.i18n import format_moment

    if state is None:
        return _("not sent")
    at = format_moment(state.at, width="short")
    if state.state == "sent":
        return _("sent {at}").format(at=at)
    if state.state == "sending":
        return _("sending…")
    if state.state == "failed":
        return _("failed: {problem}").format(problem=clean_line(state.problem))
    return _("may have been sent {at}").format(at=at)  # cut short, or the connection broke at the end


def not_a_file(path: Path) -> str:
    """`-o PATH` naming a device, fifo or folder: one line."""
    return _("{path} is a device, fifo or folder, not a file: it is never replaced; give a file's path").format(
        path=clean_line(str(path))
    )
