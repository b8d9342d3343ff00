"""Writing a reply to the customer, or an internal note: a multi-line editor that warns of harmful phrases
as the agent types, offers the playbook's phrases, keeps a draft and hands the text on."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Static, TextArea

from console import labels, phrases
from console.config import config_path
from console.desk import AddNote, AddReply, ComposeLoad, Outcome, SaveDraft, SetStep
from console.i18n import LANGUAGES, N_, _, language_in_ui, next_language, ngettext
from console.playbooks import Playbook
from console.safe_text import clean_line
from console.screens.desk import DeskScreen
from console.screens.desk_worker import Done, Failed, in_background
from console.screens.hand_on import HandOnMessages, copy_text, save_text_to_file
from console.snippets import Placeholders
from console.store import Complaint, new_note_id, new_reply_id
from console.widgets.key_bar import KeyBar
from console.widgets.reply_area import ReplyArea, location
from console.widgets.status_line import StatusLine
from console.widgets.warnings import WarningsPanel, WarningView

Kind = Literal["reply", "note"]
DRAFT_SECONDS = 1.0
"""A pause in typing this long keeps the text as a draft: a killed SSH session loses at most this much."""


class ComposeLoaded(Done[ComposeLoad], bubble=False):
    pass


class ComposeLoadFailed(Failed, bubble=False):
    pass


class DraftKept(Done[Outcome], bubble=False):
    pass


class DraftNotKept(Failed, bubble=False):
    pass


class ComposeScreen(HandOnMessages, DeskScreen):
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), show=True),
        Binding("ctrl+t,f6", "send", N_("Send"), show=True),  # f6 reaches it through ReplyArea's binding
        Binding("escape", "back", N_("Back"), show=True),
        Binding("ctrl+o,f2", "phrases", N_("Phrases"), show=True),
        Binding("ctrl+l,f4", "reply_language", N_("Reply language"), show=True),  # "Language" in the keys line
        Binding("f1", "app.help", N_("Help"), show=True),
        Binding("ctrl+n,f8", "next_warning", N_("Next warning"), show=False),
        Binding("ctrl+g,f5", "copy", N_("Copy to clipboard"), show=False),
        Binding("ctrl+f,f9", "save_to_file", N_("Save to a file"), show=False),
    ]

    DEFAULT_CSS = """
    ComposeScreen #compose-title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    ComposeScreen #save-state { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, complaint_id: str, kind: Kind) -> None:
        super().__init__()
        self.complaint_id = complaint_id
        self.kind: Kind = kind
        self.complaint: Complaint | None = None
        self.playbook: Playbook | None = None
        self.language = "en"
        """The reply's language: the customer's until the agent changes it (a note: the agent's)."""
        self.findings: list[phrases.Finding] = []
        self.current_warning: int | None = None
        self.saving = False
        self._sent = ("", "")
        """The text last sent to be stored and the id it went with: sent again after a failure, it keeps its
        id, so the store keeps it once."""
        self._draft = ""
        """The text last kept as a draft."""
        self._draft_timer: Timer | None = None
        self._said_draft_failed = False
        self._said_missing = False
        """Missing config values are said once per editor."""

    # Building

    def compose(self) -> ComposeResult:
        yield Static(id="compose-title")
        yield ReplyArea(id="editor")
        yield WarningsPanel(id="warnings")
        yield Static(id="save-state")
        yield StatusLine()
        yield KeyBar()

    def on_mount(self) -> None:
        self._draft_timer = self.set_timer(DRAFT_SECONDS, self._keep_draft, pause=True)
        self.language = self.desk.language
        self.query_one(ReplyArea).focus()
        self.show_again()
        self._say_state(_("Enter: new line · ctrl+s: save · Esc: back, keeping a draft"))
        in_background(
            self,
            partial(self.desk.service.load_compose, self.complaint_id, self.kind),
            ComposeLoaded,
            ComposeLoadFailed,
            group="compose-load",
        )

    def on_key(self, event: events.Key) -> None:
        """Letters typed in the same burst as the key that opened the editor reach the screen before its
        text area has the focus (the area takes its own and stops them): they are the text's first letters."""
        if event.is_printable and event.character is not None:
            event.stop()
            event.prevent_default()
            self.query_one(ReplyArea).insert(event.character)

    def on_compose_loaded(self, message: ComposeLoaded) -> None:
        load = message.result
        self.complaint = load.complaint
        self.playbook = self.desk.playbooks.get(load.complaint.playbook, load.complaint.kind)
        if self.kind == "reply":
            self.language = load.complaint.language if load.complaint.language in LANGUAGES else self.language
        area = self.query_one(ReplyArea)
        if load.draft is not None and not area.text:
            self._draft = load.draft.text
            if self.kind == "reply" and load.draft.language in LANGUAGES:
                self.language = load.draft.language
            area.load_text(load.draft.text)
            area.move_cursor(area.document.end)
            self.notify(_("Your draft is back."))
        if load.drafts_problem is not None:
            self.notify(labels.store_error(load.drafts_problem), severity="warning")
        self.show_again()

    def on_compose_load_failed(self, message: ComposeLoadFailed) -> None:
        self.notify(labels.store_error(message.error), severity="error", timeout=10)

    def current_complaint_id(self) -> str | None:
        return self.complaint_id

    def _current(self) -> Complaint | None:
        return self.complaint

    def reload(self, keep_position: bool = False) -> None:
        """Nothing to read again: the text is the agent's own."""

    def show_again(self) -> None:
        self._show_title()
        self._check()

    def _show_title(self) -> None:
        who = _("loading…")
        if self.complaint is not None:  # whom and what about, as a mail client's header shows them
            who = f"{clean_line(self.complaint.customer_name)} · {clean_line(self.complaint.subject)}"
        # What the app says first, whole; the customer's name and the subject last, where a long one is cut.
        what = _("Reply in {language}").format(language=language_in_ui(self.language))
        if self.kind == "note":
            what = _("Internal note")
        title = f"{what} · {clean_line(self.complaint_id)} · {who}"
        self.query_one("#compose-title", Static).update(Text(title, no_wrap=True, overflow="ellipsis"))

    def _say_state(self, state: str) -> None:
        self.query_one("#save-state", Static).update(Text(state, no_wrap=True, overflow="ellipsis"))

    # Typing: warnings and the draft

    @on(TextArea.Changed, "#editor")
    def text_changed(self) -> None:
        self._check()
        self._draft_soon()

    def _draft_soon(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.reset()
            self._draft_timer.resume()

    def _draft_later(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.pause()

    def _check(self) -> None:
        """The phrases are checked, marked in the text and listed under it at every change: about a
        millisecond on 2,000 characters, and the panel re-wraps only the warnings' first lines
        (benchmarks/reply_typing.py)."""
        area = self.query_one(ReplyArea)
        text = area.text
        self.findings = phrases.check(text, self.language) if self.complaint is not None else []
        if self.current_warning is not None and self.current_warning >= len(self.findings):
            self.current_warning = None
        area.mark([(finding.start, finding.end) for finding in self.findings])
        views = []
        for finding in self.findings:
            row, column = location(text, finding.start)
            views.append(
                WarningView(
                    where=f"{row + 1}:{column + 1}",
                    words=clean_line(finding.text),
                    kind=phrases.kind_name(finding.kind),
                    advice=clean_line(finding.advice),  # a shop's own rules are text, never markup
                    better=_("Better: {suggestion}").format(suggestion=clean_line(finding.suggestion)),
                )
            )
        self.query_one(WarningsPanel).show(views, self.current_warning, _("No harmful phrases found."))

    def action_next_warning(self) -> None:
        if not self.findings:
            self.notify(_("No warnings."))
            return
        area = self.query_one(ReplyArea)
        cursor = _offset(area.text, area.cursor_location)
        following = [index for index, finding in enumerate(self.findings) if finding.start > cursor]
        self.current_warning = following[0] if following else 0  # round to the first again
        finding = self.findings[self.current_warning]
        area.move_cursor(location(area.text, finding.start))
        self._check()

    def _keep_draft(self) -> None:
        """Keep what is typed as a draft (on the desk service's writer thread), unless it is kept already."""
        self._draft_later()
        text = self.query_one(ReplyArea).text
        if self.saving or text == self._draft or self.complaint is None:
            return
        self._draft = text
        future = self.desk.service.submit(SaveDraft(self.complaint_id, self.kind, text, self.language))
        in_background(self, future.result, DraftKept, DraftNotKept, group="draft", outlives_screen=False)

    def on_draft_kept(self, message: DraftKept) -> None:
        self._said_draft_failed = False
        if not self.saving:
            self._say_state(_("Draft kept.") if self._draft.strip() else "")

    def on_draft_not_kept(self, message: DraftNotKept) -> None:
        self._draft = ""  # try again at the next pause
        if not self._said_draft_failed:
            self._said_draft_failed = True
            self._say_state(_("Draft not kept: {error}").format(error=labels.store_error(message.error)))

    def before_quit(self) -> None:
        """The app is quitting: what is typed is kept as a draft first (the writer finishes its queue)."""
        self._keep_draft()

    # Language

    def action_reply_language(self) -> None:
        self.language = next_language(self.language)
        self.show_again()
        self._draft = ""  # the draft's language changed: keep it again
        self._draft_soon()
        self.notify(_("The reply is now in {language}.").format(language=language_in_ui(self.language)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reply_language", "phrases", "send") and self.kind != "reply":
            return False  # a note is in the agent's own language, and no phrase is for it
        return super().check_action(action, parameters)

    # Saving

    def action_save(self) -> None:
        self._save_text(send=False)

    def action_send(self) -> None:
        """Save the reply and send it by mail (on a worker; the conversation then says how it went)."""
        if self.desk.mail_ready():
            self._save_text(send=True)

    def _save_text(self, send: bool) -> None:
        text = self.query_one(ReplyArea).text
        if not text.strip():
            empty = _("An empty reply is not saved.") if self.kind == "reply" else _("An empty note is not saved.")
            self.notify(empty, severity="warning")
            return
        if self.saving or self.complaint is None:
            return
        if not self.findings:
            self._store(text, send)
            return
        listed = "; ".join(f"«{clean_line(f.text)}» ({phrases.kind_name(f.kind)})" for f in self.findings)
        count = len(self.findings)
        question = ngettext(
            "{count} warning: {warnings}. Save anyway?", "{count} warnings: {warnings}. Save anyway?", count
        ).format(count=count, warnings=listed)

        def answered(save: bool | None) -> None:
            if save:
                self._store(text, send)
            else:
                self.query_one(ReplyArea).focus()

        from console.screens.dialogs import ConfirmDialog

        self.app.push_screen(ConfirmDialog(question), answered)

    def _store(self, text: str, send: bool = False) -> None:
        self.saving = True
        self._draft_later()
        self._say_state(_("saving…"))
        if self._sent[0] != text:
            self._sent = (text, new_reply_id() if self.kind == "reply" else new_note_id())
        item_id = self._sent[1]
        warnings = len(self.findings)
        if self.kind == "reply":
            language = self.language
            then = partial(self._stored, warnings, send)
            self._change(lambda cid: AddReply(cid, text, language, item_id), then)
        else:
            self._change(lambda cid: AddNote(cid, text, item_id), partial(self._stored, warnings, False))

    def _stored(self, warnings: int, send: bool, outcome: Outcome) -> None:
        self.saving = False
        self._say_state(_("saved"))
        # The draft has become the reply. Dropped whether or not this editor thinks one is kept: ctrl+l forgets
        # that it is (to keep it again in the new language), and one saved in the old language is still there.
        self.desk.service.submit(SaveDraft(self.complaint_id, self.kind, "", self.language))
        if self.kind == "reply":
            message = ngettext("Reply saved with {count} warning.", "Reply saved with {count} warnings.", warnings)
            said = message.format(count=warnings) if warnings else _("Reply saved.")
            if not send and self.desk.config.mail is not None:  # the key that sends it, where it is needed
                said = " ".join((said, _("m sends it by mail.")))
        else:
            said = _("Note saved.")
        self.dismiss(None)
        self.notify(said)
        if send and outcome.reply is not None:
            self.desk.send_replies(self.complaint_id, only=frozenset({outcome.reply.id}))

    def not_saved(self, edit: object) -> None:
        self.saving = False
        self._say_state(_("failed: the text is still here; ctrl+s tries again"))

    # Phrases

    def action_phrases(self) -> None:
        if self.complaint is None or self.playbook is None:
            return
        from console.screens.phrase_picker import open_picker

        agent = self.desk.config.agent
        values = Placeholders(
            customer=clean_line(self.complaint.customer_name),
            agent=clean_line(agent.name or ""),
            contact=clean_line(agent.contact or ""),
            complaint_id=clean_line(self.complaint.id),
            date=None,
        )
        today = self.desk.now().astimezone().date()  # the agent's day, on the desk's one clock
        open_picker(self.app, self.complaint, self.playbook, self.language, values, today, self._insert_phrase)

    def _insert_phrase(self, text: str, step_index: int | None, left: list[str]) -> None:
        area = self.query_one(ReplyArea)
        area.insert(_set_apart(text, area.text, _offset(area.text, area.cursor_location)))
        area.focus()
        missing = [name for name in left if name in ("agent", "contact")]
        if missing and not self._said_missing:
            self._said_missing = True
            path = self.desk.config.path or config_path()
            self.notify(
                _("No {names} in {path} ([agent] table): the markers stay in the text.").format(
                    names=", ".join(missing), path=path
                ),
                severity="warning",
            )
        if step_index is None or self.complaint is None or self.playbook is None:
            return
        playbook, step = self.playbook, self.playbook.steps[step_index]
        if self.complaint.tick(playbook.id, step.id):
            return
        question = _("Tick step {number}, {title}?").format(number=step_index + 1, title=step.title(self.desk.language))

        def answered(tick: bool | None) -> None:
            if tick:
                self._change(lambda cid: SetStep(cid, playbook.id, step.id, True), self._ticked(step_index))

        from console.screens.dialogs import ConfirmDialog

        self.app.push_screen(ConfirmDialog(question), answered)

    def _ticked(self, step_index: int) -> Callable[[Outcome], None]:
        def ticked(outcome: Outcome) -> None:
            if outcome.complaint is not None:
                self.complaint = outcome.complaint
            assert self.playbook is not None
            step = self.playbook.steps[step_index]
            title = step.title(self.desk.language)
            self.notify(_("Step {number} done: {title}").format(number=step_index + 1, title=title))

        return ticked

    # Handing on

    def action_copy(self) -> None:
        copy_text(self, self.query_one(ReplyArea).text)

    def action_save_to_file(self) -> None:
        save_text_to_file(self, self.query_one(ReplyArea).text, self.complaint_id)

    # Leaving

    def action_back(self) -> None:
        """Back to the complaint; what is typed stays as a draft (an empty text removes the draft)."""
        text = self.query_one(ReplyArea).text
        if not self.saving and text != self._draft and self.complaint is not None:
            self._draft_later()
            self._draft = text
            self.desk.service.submit(SaveDraft(self.complaint_id, self.kind, text, self.language))
        kept = bool(text.strip()) and not self.saving
        self.dismiss(None)
        if kept:
            self.notify(_("Draft kept for {id}.").format(id=clean_line(self.complaint_id)))


def _set_apart(phrase: str, text: str, at: int) -> str:
    """`phrase` as it goes into `text` at offset `at`: a space on each side that touches a word or a full
    stop, so that a sentence does not run into the one before or after it."""
    if at > 0 and not text[at - 1].isspace():
        phrase = " " + phrase
    if at < len(text) and not text[at].isspace():
        phrase += " "
    return phrase


def _offset(text: str, where: tuple[int, int]) -> int:
    """The character offset of (row, column) in `text`."""
    row, column = where
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[:row]) + column
