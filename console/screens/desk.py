"""What the inbox and the complaint screen share: the keys that change one complaint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from console import labels
from console.desk import CycleField, Edit, Outcome, SetField
from console.i18n import N_, _
from console.safe_text import clean_line
from console.screens.desk_worker import Saved, SaveFailed, in_background
from console.store import PRIORITIES, STATUSES, Complaint, Summary

if TYPE_CHECKING:
    from console.app import ConsoleApp

WAITING_NOTICE_SECONDS = 0.3
"""A change not stored by then is waiting for the lock (another agent's change, an import, a backup): say so."""


CHANGE_BINDINGS = [
    Binding("s", "cycle_status", N_("Status"), show=False),
    Binding("p", "cycle_priority", N_("Priority"), show=False),
    Binding("a", "assign", N_("Assign"), show=False),
    Binding("b", "switch_playbook", N_("Playbook"), show=False),
]
"""The keys that change the current complaint's fields, for the screens that offer them (not the editor,
whose letters are text)."""


@dataclass
class PendingChange:
    """A change asked for and not answered yet."""

    edit: Edit
    then: Callable[[Outcome], None] | None
    keep_position: bool
    notice: Timer


class DeskScreen(Screen[None], inherit_bindings=False):
    """A screen that has a current complaint and re-renders itself from the store."""

    BINDINGS = [
        Binding("tab", "app.focus_next", N_("Next pane"), show=False),
        Binding("shift+tab", "app.focus_previous", N_("Previous pane"), show=False),
    ]

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name, id, classes)
        self._saves = 0
        self._pending: dict[int, PendingChange] = {}
        self._early: dict[int, Saved | SaveFailed] = {}
        """Answers that came before the answer to an older change."""
        self._said_waiting = False

    @property
    def pending_changes(self) -> int:
        """Changes this screen asked for that are not stored (nor refused) yet."""
        return len(self._pending)

    @property
    def desk(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def current_complaint_id(self) -> str | None:
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.desk.leaving

    def before_quit(self) -> None:
        """The app is about to quit: keep what must not be lost (the editor's draft)."""

    def heartbeat(self) -> None:
        """Called at every poll (every 1.5 s), whether or not the desk changed."""

    def reload(self, keep_position: bool = False) -> None:
        """Fetch what the screen shows from the store and render it. With `keep_position` a list keeps its
        cursor on the same row even when the complaint there moved (as after its status changed)."""
        raise NotImplementedError

    def retranslate(self) -> None:
        """Render again in the current language (key labels are translated where they are drawn)."""
        self.show_again()

    def show_again(self) -> None:
        """Render what the screen holds again: a language switch needs nothing read from the desk."""
        self.reload()

    def _change(
        self, change: Callable[[str], Edit], then: Callable[[Outcome], None] | None = None, keep_position: bool = True
    ) -> None:
        """Ask for one change to the current complaint; `then` hears of it once it is stored."""
        complaint_id = self.current_complaint_id()
        if complaint_id is None:
            self.notify(_("No complaint selected."), severity="warning")
            return
        self._save(change(complaint_id), then, keep_position)

    def _save(self, edit: Edit, then: Callable[[Outcome], None] | None = None, keep_position: bool = True) -> None:
        """Queue a change with the desk service and go on: keys keep working while it waits for the lock.
        Its answer (`Saved` or `SaveFailed`) re-renders the screen; a wait of more than a moment is said."""
        self._saves += 1
        notice = self.set_timer(WAITING_NOTICE_SECONDS, self._say_waiting)
        self._pending[self._saves] = PendingChange(edit, then, keep_position, notice)
        future = self.desk.service.submit(edit)
        in_background(
            self, future.result, Saved, SaveFailed, group="desk-save", generation=self._saves, outlives_screen=True
        )

    def _say_waiting(self) -> None:
        if self._pending and not self._said_waiting:
            self._said_waiting = True
            self.notify(_("Waiting for another agent's change…"))

    def _answered(self, generation: int) -> PendingChange | None:
        pending = self._pending.pop(generation, None)
        if pending is not None:
            pending.notice.stop()
        if not self._pending:
            self._said_waiting = False
        return pending

    def on_saved(self, message: Saved) -> None:
        self._in_order(message)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._in_order(message)

    def _in_order(self, answer: Saved | SaveFailed) -> None:
        """The desk service stores changes in the order they were asked for, but each answer comes back on
        a thread of its own: one is handled once every older one has been, so what the screen last says
        is about the last change ("Undone", not the "u to undo" of the change before it)."""
        if answer.generation not in self._pending:
            self._handle(answer)
            return
        self._early[answer.generation] = answer
        while self._pending and (oldest := min(self._pending)) in self._early:
            self._handle(self._early.pop(oldest))

    def _handle(self, answer: Saved | SaveFailed) -> None:
        pending = self._answered(answer.generation)
        if isinstance(answer, SaveFailed):
            if pending is not None:
                self.not_saved(pending.edit)
            error = labels.store_error(answer.error)
            self.notify(_("Not saved: {error}").format(error=error), severity="error", timeout=8)
            return
        if pending is None:
            return
        self.reload(keep_position=pending.keep_position)
        if pending.then is not None:
            pending.then(answer.result)

    def not_saved(self, edit: Edit) -> None:
        """A change this screen asked for was refused (the message already says why)."""

    def _set(self, field: str, value: str | None, then: Callable[[Outcome], None]) -> None:
        self._change(lambda cid: SetField(cid, field, value), then)

    def _current(self) -> Complaint | Summary | None:
        """The current complaint as the screen shows it: nothing is read from the desk on the screen's thread."""
        return None

    def _cycle(self, field: str, values: tuple[str, ...], then: Callable[[Outcome], None]) -> None:
        self._change(lambda cid: CycleField(cid, field, values), then)

    def action_cycle_status(self) -> None:
        def saved(outcome: Outcome) -> None:
            if changed := outcome.complaint:
                self.notify(
                    _("{id}: status {status}").format(id=clean_line(changed.id), status=labels.status(changed.status))
                )

        self._cycle("status", STATUSES, saved)

    def action_cycle_priority(self) -> None:
        def saved(outcome: Outcome) -> None:
            if changed := outcome.complaint:
                self.notify(
                    _("{id}: priority {priority}").format(
                        id=clean_line(changed.id), priority=labels.priority(changed.priority)
                    )
                )

        self._cycle("priority", PRIORITIES, saved)

    def action_assign(self) -> None:
        complaint = self._current()
        if complaint is None:
            return

        def assign(agent: str | None) -> None:
            if agent is None:
                return

            def saved(outcome: Outcome) -> None:
                if changed := outcome.complaint:
                    message = _("{id}: assigned to {agent}") if changed.assignee else _("{id}: unassigned")
                    self.notify(message.format(id=clean_line(changed.id), agent=changed.assignee))

            self._set("assignee", agent or None, saved)

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

            def saved(outcome: Outcome) -> None:
                if (changed := outcome.complaint) and playbook_id != current.id:
                    playbook = self.desk.playbooks[playbook_id]
                    done = changed.done_count(playbook.id, playbook.step_ids())
                    # Ticks are kept per playbook (records.tick_key): the new one shows its own, the old one's wait.
                    message = _("{id}: {title} {done}/{steps}; ticks of other playbooks kept")
                    title = playbook.title(self.desk.language)
                    self.notify(
                        message.format(id=clean_line(changed.id), title=title, done=done, steps=len(playbook.steps))
                    )

            self._set("playbook", playbook_id, saved)

        from console.screens.dialogs import playbook_dialog  # not needed for the first screen

        self.app.push_screen(playbook_dialog(self.desk.playbooks, current.id, self.desk.language), switch)
