"""One complaint: who and how, the message, the playbook's checklist beside it, and the notes."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static

from console import labels
from console.desk import AddNote, ComplaintLoad, Edit, Outcome, SetStep
from console.i18n import N_, _, format_age, format_moment, language_name, ngettext
from console.keys import SCROLL_BINDINGS
from console.playbooks import Playbook
from console.safe_text import clean, clean_line
from console.screens.desk import DeskScreen
from console.screens.desk_worker import (
    ComplaintLoaded,
    ComplaintLoadFailed,
    HistoryLoaded,
    HistoryLoadFailed,
    in_background,
)
from console.screens.history import HistoryScreen
from console.store import Complaint, new_note_id
from console.widgets.checklist import Checklist, ChecklistView, StepView
from console.widgets.key_bar import KeyBar
from console.widgets.notes import NotesPane, NoteView
from console.widgets.status_line import StatusLine


class MessageBody(VerticalScroll, inherit_bindings=False):
    BINDINGS = SCROLL_BINDINGS


class ComplaintScreen(DeskScreen):
    BINDINGS = [
        Binding("escape,q", "back", N_("Back"), show=True),  # q as in mutt and aerc; ctrl+q still quits
        Binding("n,w", "write_note", N_("Note"), show=True),
        Binding("h", "history", N_("History"), show=False),
        *[Binding(str(number), f"tick({number})", N_("Tick step by number"), show=False) for number in range(1, 10)],
    ]

    DEFAULT_CSS = """
    ComplaintScreen #who { height: 3; background: $panel; padding: 0 1; }
    ComplaintScreen #state { height: 1; padding: 0 1; color: $text-muted; }
    ComplaintScreen #others { height: 1; padding: 0 1; display: none; background: $warning 30%; text-style: bold; }
    ComplaintScreen #others.shown { display: block; }
    ComplaintScreen #main { height: 1fr; }
    ComplaintScreen #body { width: 1fr; padding: 0 1; }
    ComplaintScreen #side { width: 36; border-left: vkey $panel-lighten-2; }
    ComplaintScreen #side-title { height: 1; text-style: bold; padding: 0 1; background: $panel; }
    ComplaintScreen #notes-title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    ComplaintScreen #notes { height: 5; padding: 0 1; }
    ComplaintScreen #note-input { height: 1; border: none; padding: 0 1; }
    ComplaintScreen.-narrow #main { layout: vertical; }
    ComplaintScreen.-narrow #side { width: 1fr; height: 1fr; border-left: none; border-top: hkey $panel-lighten-2; }
    ComplaintScreen.-narrow #body { height: 1fr; }
    ComplaintScreen.-short #notes { height: 2; }
    ComplaintScreen.-short #who { height: 2; }
    ComplaintScreen:focus-within #body:focus, ComplaintScreen #notes:focus { background: $boost; }
    ComplaintScreen.-roomy #side { width: 42%; }
    ComplaintScreen.-tiny #who, ComplaintScreen.-tiny #state { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    ComplaintScreen.-tiny #notes { height: 0; }
    ComplaintScreen.-tiny #notes:focus { height: 4; }
    ComplaintScreen.-tiny.-narrow #body { height: 1; }
    ComplaintScreen.-tiny.-narrow #body:focus { height: 2fr; }
    ComplaintScreen.-tiny.-narrow #side { border-top: none; }
    """
    # From 120 columns the checklist gets a fair share of the width (at 120, 50 columns beside 70 of body);
    # below 16 rows the checklist comes first: a line of the body (tab gives it room) and notes on tab only.

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-wide"), (120, "-roomy")]
    VERTICAL_BREAKPOINTS = [(0, "-tiny"), (16, "-short"), (20, "-tall")]

    def __init__(self, complaint_id: str, write_note: bool = False) -> None:
        super().__init__()  # ids come from strangers: never a widget id
        self.complaint_id = complaint_id
        self._write_note = write_note
        self._complaint: Complaint | None = None
        self._load: ComplaintLoad | None = None
        self._playbook: Playbook | None = None
        self._asked = 0
        """Loads asked for, counted; an answer older than the one shown is dropped."""
        self._shown = 0
        self._history_asked = False
        self._note_saving: str | None = None
        """The note text being saved: Enter again meanwhile does not save it twice."""
        self._note_id = ("", "")
        """The text last sent as a note and the id it went with: sent again (after a failure whose outcome
        was unclear), it keeps its id, so the store keeps it once."""

    def compose(self) -> ComposeResult:
        yield Static(id="who")
        yield Static(id="state")
        yield Static(id="others")
        with Horizontal(id="main"):
            with MessageBody(id="body"):
                yield Static(id="body-text")
            with Vertical(id="side"):
                yield Static(id="side-title")
                yield Checklist(id="checklist")
        yield Static(id="notes-title")
        yield NotesPane(id="notes")
        yield Input(id="note-input", select_on_focus=False)
        yield StatusLine()
        yield KeyBar()

    def on_mount(self) -> None:
        self.desk.service.viewing(self.complaint_id)
        # Until the complaint is read (on a worker): its id, and that it is on its way.
        self.query_one("#who", Static).update(Text(f"{clean_line(self.complaint_id)}  {_('loading…')}", no_wrap=True))
        self.reload()
        draft = self.desk.drafts.pop(self.complaint_id, "")
        self.query_one("#note-input", Input).value = draft
        if draft:
            self.notify(_("Your unsaved note is back in the note field; n to go on writing."))
        if self._write_note:
            self.query_one("#note-input", Input).focus()
        else:
            self.query_one(Checklist).focus()

    def on_unmount(self) -> None:
        self.desk.service.viewing(None)

    def current_complaint_id(self) -> str | None:
        return self.complaint_id

    def _current(self) -> Complaint | None:
        return self._complaint

    def heartbeat(self) -> None:
        self.show_others()

    def show_others(self) -> None:
        """The collision warning: who else has this complaint open right now."""
        found = self.query("#others")
        if not found:
            return  # the timer came before the screen was composed
        line = found.first(Static)
        others = self.desk.service.others_on(self.complaint_id)
        line.set_class(bool(others), "shown")
        if others:
            now = self.desk.now()
            names = ", ".join(f"{clean_line(o.agent)} ({format_age(o.since, now)})" for o in others)
            line.update(
                Text("⚠ " + _("Also open by: {agents}").format(agents=names), no_wrap=True, overflow="ellipsis")
            )

    def reload(self, keep_position: bool = False) -> None:
        """Read the complaint, its notes and who else has it open on a worker; the screen shows what it has
        meanwhile."""
        self._asked += 1
        in_background(
            self,
            partial(self.desk.service.load_complaint, self.complaint_id),
            ComplaintLoaded,
            ComplaintLoadFailed,
            group="complaint-load",
            generation=self._asked,
            exclusive=True,
        )

    def on_complaint_load_failed(self, message: ComplaintLoadFailed) -> None:
        if message.generation > self._shown:
            self.notify(labels.store_error(message.error), severity="error", timeout=10)

    def on_complaint_loaded(self, message: ComplaintLoaded) -> None:
        if message.generation > self._shown:  # else overtaken by a newer load already shown: dropped
            self._shown = message.generation
            self._show(message.result)

    def show_again(self) -> None:
        if self._load is not None:
            self._show(self._load)

    def _show(self, load: ComplaintLoad) -> None:
        self._load = load
        complaint, notes = load.complaint, load.notes
        language = self.desk.language
        playbook = self.desk.playbooks.get(complaint.playbook, complaint.kind)
        self._complaint, self._playbook = complaint, playbook
        now = self.desk.now()

        contact = [clean_line(complaint.customer_name), f"<{clean_line(complaint.customer_email)}>"]
        if complaint.customer_phone:
            contact.append(clean_line(complaint.customer_phone))
        received = f"{format_moment(complaint.received)} ({format_age(complaint.received, now)})"
        how = " · ".join((labels.channel(complaint.channel), received, language_name(complaint.language)))
        # One fact per line, cut with an ellipsis rather than wrapped in the middle of a value.
        who = Text(no_wrap=True, overflow="ellipsis")
        who.append(f"{clean_line(complaint.id)}  {clean_line(complaint.subject)}", style="bold")
        who.append("\n" + " ".join(contact) + "\n" + how)
        self.query_one("#who", Static).update(who)

        assignee = clean_line(complaint.assignee) if complaint.assignee else _("nobody")
        state = _("Status: {status} · Priority: {priority} · Assigned: {agent}").format(
            status=labels.status(complaint.status), priority=labels.priority(complaint.priority), agent=assignee
        )
        self.query_one("#state", Static).update(Text(state))
        self.show_others()
        self.query_one("#body-text", Static).update(Text(clean(complaint.body)))

        done = complaint.done_count(playbook.id, playbook.step_ids())
        progress = f"{done}/{len(playbook.steps)} · {playbook.title(language)}"
        self.query_one("#side-title", Static).update(Text(progress, no_wrap=True, overflow="ellipsis"))
        steps = []
        for step in playbook.steps:
            tick = complaint.tick(playbook.id, step.id)
            done_by = f"{clean_line(tick.by)} · {format_moment(tick.at)}" if tick else ""
            steps.append(StepView(step.title(language), step.guidance(language), done_by))
        level = playbook.level_reached(done)
        self.query_one(Checklist).show(
            ChecklistView(
                summary=playbook.summary(language),
                steps=tuple(steps),
                level=_("Level reached: {level}").format(level=level.label(language)) if level else "",
                avoid_heading=_("Avoid:"),
                avoid=tuple((item.title(language), item.guidance(language)) for item in playbook.avoid),
            )
        )

        self.query_one("#notes-title", Static).update(
            Text(ngettext("{count} note", "{count} notes", len(notes)).format(count=len(notes)))
        )
        self.query_one(NotesPane).show(
            [NoteView(clean_line(note.author), format_moment(note.at), clean(note.text)) for note in notes],
            _("No notes yet."),
        )
        self.query_one("#note-input", Input).placeholder = _("Write a note; Enter saves, Esc leaves")

    def _tick(self, index: int) -> None:
        complaint, playbook = self._complaint, self._playbook
        if complaint is None or playbook is None:
            return
        if not 0 <= index < len(playbook.steps):
            self.notify(_("This playbook has no step {number}.").format(number=index + 1), severity="warning")
            return
        step = playbook.steps[index]
        done = complaint.tick(playbook.id, step.id) is None

        def saved(_outcome: Outcome) -> None:
            message = _("Step {number} done: {title}") if done else _("Step {number} not done: {title}")
            self.notify(message.format(number=index + 1, title=step.title(self.desk.language)))

        self._change(lambda cid: SetStep(cid, playbook.id, step.id, done), saved)

    @on(Checklist.Toggled)
    def step_toggled(self, event: Checklist.Toggled) -> None:
        self._tick(event.index)

    def action_tick(self, number: int) -> None:
        self._tick(number - 1)

    def unsaved_notes(self) -> dict[str, str]:
        text = self.query_one("#note-input", Input).value
        return {self.complaint_id: text} if text.strip() else {}

    def action_history(self) -> None:
        if self._history_asked:
            return  # h again while it is read: one history screen
        self._history_asked = True
        in_background(
            self,
            partial(self.desk.service.load_history, self.complaint_id),
            HistoryLoaded,
            HistoryLoadFailed,
            group="complaint-history",
        )

    def on_history_load_failed(self, message: HistoryLoadFailed) -> None:
        self._history_asked = False
        self.notify(labels.store_error(message.error), severity="error")

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        self._history_asked = False
        if not self.is_current:
            return  # the agent has gone on meanwhile
        language = self.desk.language
        entries = [
            (
                format_moment(change.at),
                clean_line(change.by),
                labels.change(change, self.desk.playbooks, language),
            )
            for change in message.result.changes
        ]
        self.app.push_screen(HistoryScreen(_("History of {id}").format(id=clean_line(self.complaint_id)), entries))

    def action_write_note(self) -> None:
        # At once, not on the next idle: letters typed right after n belong to the note, not to the keys.
        self.app.set_focus(self.query_one("#note-input", Input))

    @on(Input.Submitted, "#note-input")
    def note_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.notify(_("An empty note is not saved."), severity="warning")
            return
        if text == self._note_saving:
            return  # Enter again while it is being saved
        self._note_saving = text
        if self._note_id[0] != text:
            self._note_id = (text, new_note_id())
        note_id = self._note_id[1]
        note_input = event.input

        def saved(_outcome: Outcome) -> None:
            self._note_saving = None
            if note_input.value.strip() == text:  # the text stays in the field until it is stored
                note_input.value = ""
            self.notify(_("Note saved."))

        self._change(lambda cid: AddNote(cid, text, note_id), saved)
        self.query_one(Checklist).focus()  # keys are keys again; n writes the next note

    def not_saved(self, edit: Edit) -> None:
        if isinstance(edit, AddNote):
            self._note_saving = None  # the text is still in the field; Enter tries again

    def action_back(self) -> None:
        note_input = self.query_one("#note-input", Input)
        if note_input.has_focus:
            self.query_one(Checklist).focus()
            return
        kept = bool(note_input.value.strip())
        if kept:  # an unsaved note waits for the agent's return
            self.desk.drafts[self.complaint_id] = note_input.value
        self.dismiss(None)
        if kept:  # said once the inbox is on top: on its message line, not on this screen's, which goes
            self.notify(_("Unsaved note kept as a draft for {id}.").format(id=clean_line(self.complaint_id)))
