"""What the inbox and the complaint screen share: the keys that change one complaint."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from textual.binding import Binding
from textual.screen import Screen

from console import labels
from console.i18n import N_, _
from console.safe_text import clean_line
from console.store import PRIORITIES, STATUSES, Complaint, StoreError

if TYPE_CHECKING:
    from console.app import ConsoleApp


T = TypeVar("T")


class DeskScreen(Screen[None], inherit_bindings=False):
    """A screen that has a current complaint and re-renders itself from the store."""

    BINDINGS = [
        Binding("tab", "app.focus_next", N_("Next pane"), show=False),
        Binding("shift+tab", "app.focus_previous", N_("Previous pane"), show=False),
        Binding("s", "cycle_status", N_("Status"), show=False),
        Binding("p", "cycle_priority", N_("Priority"), show=False),
        Binding("a", "assign", N_("Assign"), show=False),
        Binding("b", "switch_playbook", N_("Playbook"), show=False),
    ]

    @property
    def desk(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def current_complaint_id(self) -> str | None:
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.desk.leaving

    def unsaved_notes(self) -> dict[str, str]:
        """Note text typed on this screen and not saved yet, by complaint id."""
        return {}

    def heartbeat(self) -> None:
        """Called at every poll (every 1.5 s), whether or not the desk changed."""

    def reload(self, keep_position: bool = False) -> None:
        """Fetch what the screen shows from the store and render it. With `keep_position` a list keeps its
        cursor on the same row even when the complaint there moved (as after its status changed)."""
        raise NotImplementedError

    def retranslate(self) -> None:
        """Render again in the current language (key labels are translated where they are drawn)."""
        self.reload()

    def _change(self, change: Callable[[str], T]) -> T | None:
        """Run one store change on the current complaint; a refusal is a message, and the screen re-renders."""
        complaint_id = self.current_complaint_id()
        if complaint_id is None:
            self.notify(_("No complaint selected."), severity="warning")
            return None
        try:
            result = change(complaint_id)
        except StoreError as error:
            self.notify(_("Not saved: {error}").format(error=labels.store_error(error)), severity="error", timeout=8)
            return None
        self.reload(keep_position=True)
        return result

    def _set(self, field: str, value: str | None) -> Complaint | None:
        return self._change(lambda cid: self.desk.store.set_field(cid, field, value, self.desk.agent))

    def _current(self) -> Complaint | None:
        complaint_id = self.current_complaint_id()
        if complaint_id is None:
            return None
        try:
            return self.desk.store.complaint(complaint_id)
        except StoreError as error:
            self.notify(labels.store_error(error), severity="error")
            return None

    def _cycle(self, field: str, values: tuple[str, ...]) -> Complaint | None:
        return self._change(lambda cid: self.desk.store.cycle_field(cid, field, values, self.desk.agent))

    def action_cycle_status(self) -> None:
        if changed := self._cycle("status", STATUSES):
            self.notify(
                _("{id}: status {status}").format(id=clean_line(changed.id), status=labels.status(changed.status))
            )

    def action_cycle_priority(self) -> None:
        if changed := self._cycle("priority", PRIORITIES):
            self.notify(
                _("{id}: priority {priority}").format(
                    id=clean_line(changed.id), priority=labels.priority(changed.priority)
                )
            )

    def action_assign(self) -> None:
        complaint = self._current()
        if complaint is None:
            return

        def assign(agent: str | None) -> None:
            if agent is None:
                return
            changed = self._set("assignee", agent or None)
            if changed is not None:
                message = _("{id}: assigned to {agent}") if changed.assignee else _("{id}: unassigned")
                self.notify(message.format(id=clean_line(changed.id), agent=changed.assignee))

        from console.screens.dialogs import AssignDialog  # not needed for the first screen

        self.app.push_screen(AssignDialog(complaint.assignee, self.desk.agent, self.desk.known_agents()), assign)

    def action_switch_playbook(self) -> None:
        complaint = self._current()
        if complaint is None:
            return
        current = self.desk.playbooks.get(complaint.playbook, complaint.kind)

        def switch(playbook_id: str | None) -> None:
            if playbook_id is None:
                return
            changed = self._set("playbook", playbook_id)
            if changed is not None and playbook_id != current.id:
                playbook = self.desk.playbooks[playbook_id]
                done = changed.done_count(playbook.id, playbook.step_ids())
                # Ticks are kept per playbook (records.tick_key): the new one shows its own, the old one's wait.
                message = _("{id}: {title} {done}/{steps}; ticks of other playbooks kept")
                title = playbook.title(self.desk.language)
                self.notify(
                    message.format(id=clean_line(changed.id), title=title, done=done, steps=len(playbook.steps))
                )

        from console.screens.dialogs import playbook_dialog  # not needed for the first screen

        self.app.push_screen(playbook_dialog(self.desk.playbooks, current.id, self.desk.language), switch)
