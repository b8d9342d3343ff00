"""One complaint: who and how, the conversation (the message, replies and notes), and the playbook's
checklist beside it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from console import labels
from console.attachments import attachment_line, by_message
from console.desk import ComplaintLoad, Outcome, SetStep
from console.i18n import N_, _, format_age, format_moment, language_in_ui
from console.playbooks import Playbook
from console.response_clock import CLOCK_STOPPED, first_response_due
from console.safe_text import clean, clean_line
from console.screens.desk import CHANGE_BINDINGS, DeskScreen
from console.screens.desk_worker import (
    ComplaintLoaded,
    ComplaintLoadFailed,
    HistoryLoaded,
    HistoryLoadFailed,
    in_background,
)
from console.screens.hand_on import HandOnMessages, copy_text, save_text_to_file
from console.screens.history import HistoryScreen
from console.store import Complaint
from console.store.deliveries import SendState
from console.store.records import Reply
from console.widgets.checklist import Checklist, ChecklistView, StepView
from console.widgets.conversation import Conversation, Entry
from console.widgets.key_bar import KeyBar
from console.widgets.status_line import StatusLine


class ComplaintScreen(HandOnMessages, DeskScreen):
    BINDINGS = [
        *CHANGE_BINDINGS,
        Binding("escape,q", "back", N_("Back"), show=True),  # q as in mutt and aerc; ctrl+q still quits
        # Priority keys, so that text typed right after them in one burst (a fast typist, a slow link) goes to
        # the editor they open, not to this screen as keys.
        Binding("r", "reply", N_("Reply"), show=True, priority=True),
        Binding("n,w", "write_note", N_("Note"), show=True, priority=True),
        Binding("c", "copy_reply", N_("Copy a reply"), show=False),
        Binding("f", "reply_to_file", N_("Save a reply to a file"), show=False),
        Binding("h", "history", N_("History"), show=False),
        Binding("m", "send_mail", N_("Send replies by mail"), show=False),
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
    ComplaintScreen.-narrow #main { layout: vertical; }
    ComplaintScreen.-narrow #side { width: 1fr; height: 1fr; border-left: none; border-top: hkey $panel-lighten-2; }
    ComplaintScreen.-narrow #body { height: 1fr; }
    ComplaintScreen.-short #who { height: 2; }
    ComplaintScreen:focus-within #body:focus { background: $boost; }
    ComplaintScreen.-roomy #side { width: 42%; }
    ComplaintScreen.-tiny #who, ComplaintScreen.-tiny #state { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    ComplaintScreen.-tiny.-narrow #body { height: 1; }
    ComplaintScreen.-tiny.-narrow #body:focus { height: 2fr; }
    ComplaintScreen.-tiny.-narrow #side { border-top: none; }
    """
    # From 120 columns the checklist gets a fair share of the width (at 120, 50 columns beside 70 of body);
    # below 16 rows the checklist comes first: a line of the conversation (tab gives it room).

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-wide"), (120, "-roomy")]
    VERTICAL_BREAKPOINTS = [(0, "-tiny"), (16, "-short"), (20, "-tall")]

    def __init__(self, complaint_id: str) -> None:
        super().__init__()  # ids come from strangers: never a widget id
        self.complaint_id = complaint_id
        self._complaint: Complaint | None = None
        self._load: ComplaintLoad | None = None
        self._playbook: Playbook | None = None
        self._asked = 0
        """Loads asked for, counted; an answer older than the one shown is dropped."""
        self._shown = 0
        self._history_asked = False
        self._entries = 0
        """Entries in the conversation shown: one more (a reply or note just saved) scrolls to the end."""

    def compose(self) -> ComposeResult:
        yield Static(id="who")
        yield Static(id="state")
        yield Static(id="others")
        with Horizontal(id="main"):
            yield Conversation(id="body")
            with Vertical(id="side"):
                yield Static(id="side-title")
                yield Checklist(id="checklist")
        yield StatusLine()
        yield KeyBar()

    def on_mount(self) -> None:
        self.desk.service.viewing(self.complaint_id)
        # Until the complaint is read (on a worker): its id, and that it is on its way.
        self.query_one("#who", Static).update(Text(f"{clean_line(self.complaint_id)}  {_('loading…')}", no_wrap=True))
        self.reload()
        self.query_one(Checklist).focus()

    def on_unmount(self) -> None:
        self.desk.service.viewing(None)

    def on_screen_resume(self) -> None:
        """Back from the editor (or a dialog): a reply or note saved there shows in the conversation."""
        if self._load is not None:
            self.reload()

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
            if message.result.drafts_problem is not None:  # the damaged file is set aside: said once
                self.notify(labels.store_error(message.result.drafts_problem), severity="warning")

    def show_again(self) -> None:
        if self._load is not None:
            self._show(self._load)

    def _show(self, load: ComplaintLoad) -> None:
        self._load = load
        complaint = load.complaint
        language = self.desk.language
        playbook = self.desk.playbooks.get(complaint.playbook, complaint.kind)
        self._complaint, self._playbook = complaint, playbook
        now = self.desk.now()

        contact = [clean_line(complaint.customer_name), f"<{clean_line(complaint.customer_email)}>"]
        if complaint.customer_phone:
            contact.append(clean_line(complaint.customer_phone))
        received = f"{format_moment(complaint.received)} ({format_age(complaint.received, now)})"
        how = " · ".join((labels.channel(complaint.channel), received, language_in_ui(complaint.language)))
        # One fact per line, cut with an ellipsis rather than wrapped in the middle of a value.
        who = Text(no_wrap=True, overflow="ellipsis")
        who.append(f"{clean_line(complaint.id)}  {clean_line(complaint.subject)}", style="bold")
        who.append("\n" + " ".join(contact) + "\n" + how)
        clock, overdue = first_response(complaint, now, self.desk.service.targets)
        if clock:
            who.append(" · ")
            who.append(clock, style="bold red" if overdue else "")
        self.query_one("#who", Static).update(who)

        assignee = clean_line(complaint.assignee) if complaint.assignee else _("nobody")
        state = _("Status: {status} · Priority: {priority} · Assigned: {agent}").format(
            status=labels.status(complaint.status), priority=labels.priority(complaint.priority), agent=assignee
        )
        self.query_one("#state", Static).update(Text(state))
        self.show_others()
        entries = conversation(load)
        self.query_one(Conversation).show(entries, scroll_to_end=0 < self._entries < len(entries))
        self._entries = len(entries)

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
        self.desk.open_editor(self.complaint_id, "note")

    def action_reply(self) -> None:
        self.desk.open_editor(self.complaint_id, "reply")

    def action_send_mail(self) -> None:
        """Send the replies not sent yet (in the order written), on a worker; the conversation says how it went."""
        self.desk.send_replies(self.complaint_id)

    def action_copy_reply(self) -> None:
        self._with_reply(lambda reply: copy_text(self, reply.text))

    def action_reply_to_file(self) -> None:
        self._with_reply(lambda reply: save_text_to_file(self, reply.text, self.complaint_id))

    def _with_reply(self, act: Callable[[Reply], None]) -> None:
        """The one reply there is, or the one the agent chooses (newest first)."""
        replies = list(self._load.replies) if self._load is not None else []
        if not replies:
            self.notify(_("No reply yet; r writes one."), severity="warning")
            return
        if len(replies) == 1:
            act(replies[0])
            return
        by_id = {reply.id: reply for reply in replies}
        choices = [(reply.id, f"{reply_label(reply)} · {clean_line(reply.text)[:30]}") for reply in reversed(replies)]

        def chosen(reply_id: str | None) -> None:
            if reply_id in by_id:
                act(by_id[reply_id])

        from console.screens.dialogs import ChoiceDialog

        self.app.push_screen(ChoiceDialog(_("Which reply?"), choices, replies[-1].id, id="replies"), chosen)

    def action_back(self) -> None:
        self.dismiss(None)


def first_response(complaint: Complaint, now: datetime, targets: Mapping[str, timedelta]) -> tuple[str, bool]:
    """The first-response clock where the agent answers, in words (they read without colour), and whether
    it is overdue: the time left, how long overdue, or how long the first reply took; empty while nothing
    is owed (waiting on the customer, resolved)."""
    received, first = complaint.clock_start, complaint.first_response_at
    if first is not None:
        return _("first reply after {took}").format(took=format_age(received, first)), False
    if complaint.status in CLOCK_STOPPED:
        return "", False
    due = first_response_due(received, complaint.priority, targets)
    if now > due:
        return _("reply overdue by {late}").format(late=format_age(due, now)), True
    return _("reply due in {left}").format(left=format_age(now, due)), False


def reply_label(reply: Reply, sending: Mapping[str, SendState] | None = None) -> str:
    """Who wrote the reply when, and (`sending` given) whether it went out by mail."""
    label = _("Reply ({language}) · {author} · {at}").format(
        language=clean_line(language_in_ui(reply.language)),
        author=clean_line(reply.author),
        at=format_moment(reply.at, width="short"),
    )
    return label if sending is None else f"{label} · {labels.send_state(sending.get(reply.id))}"


def conversation(load: ComplaintLoad) -> list[Entry]:
    """The customer's first message, then the customer's later messages, the replies and the notes in the
    order they were written; under each customer's message the files that came with it, numbered across
    the conversation (console/attachments.py)."""
    complaint = load.complaint
    customer = clean_line(complaint.customer_name)
    entries = [
        Entry(
            "message",
            _("Message from {customer} · {at}").format(
                customer=customer, at=format_moment(complaint.received, width="short")
            ),
            clean(complaint.body),
        )
    ]
    written: list[tuple[datetime, Entry]] = []
    for message, files in by_message(complaint, load.customer_messages):
        lines = tuple(attachment_line(*numbered) for numbered in files)
        if message is None:
            entries[0] = replace(entries[0], attachments=lines)
            continue
        label = _("Customer · {customer} · {at}").format(customer=customer, at=format_moment(message.at, width="short"))
        written.append((message.at, Entry("customer", label, clean(message.text), lines)))
    for reply in load.replies:
        written.append((reply.at, Entry("reply", reply_label(reply, load.sending), clean(reply.text))))
    for note in load.notes:
        label = _("Note (internal) · {author} · {at}").format(
            author=clean_line(note.author), at=format_moment(note.at, width="short")
        )
        written.append((note.at, Entry("note", label, clean(note.text))))
    written.sort(key=lambda pair: pair[0])
    drafts = []
    for kind, draft in sorted(load.drafts.items()):
        label = (
            _("Your draft reply ({language}), not saved · r goes on")
            if kind == "reply"
            else _("Your draft note, not saved · n goes on")
        )
        drafts.append(
            Entry("draft", label.format(language=clean_line(language_in_ui(draft.language))), clean(draft.text))
        )
    return entries + [entry for _at, entry in written] + drafts
