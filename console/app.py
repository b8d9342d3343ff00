"""The TUI: owns the store, the playbooks and the language, and pushes the screens."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Literal

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter, Monochrome, NoColor
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.screen import Screen

from console import labels
from console.collector import Pause
from console.config import Config, config_path
from console.desk import AddNote, AddReply, DeskService, SaveDraft
from console.i18n import (
    N_,
    _,
    current_language,
    language_name,
    next_language,
    set_language,
)
from console.keys import key_help
from console.playbooks import Playbooks
from console.query import query_help
from console.safe_text import clean_line
from console.screens.desk import DeskScreen
from console.screens.desk_worker import (
    Polled,
    PollFailed,
    RepliesSent,
    Saved,
    SaveFailed,
    SendingFailed,
    in_background,
)
from console.screens.inbox import InboxScreen
from console.screens.too_small import TooSmallScreen, too_small
from console.store import Store
from console.store.records import utc_now
from console.widgets.status_line import StatusLine

POLL_SECONDS = 1.5
NOT_COMMANDS = frozenset(
    {
        "cursor_down", "cursor_up", "first", "last", "page_down", "page_up",
        "scroll_down", "scroll_up", "scroll_home", "scroll_end",
        "app.focus_next", "app.focus_previous", "command_palette",
    }
)  # fmt: skip
"""Actions that move rather than do: in help, but not offered as palette commands."""


class ConsoleApp(App[None]):
    TITLE = "agent-console"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", N_("Help"), show=True),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=True),
        Binding("L", "switch_language", N_("Language"), show=True),
        Binding("q", "quit", N_("Quit"), show=True),
    ]

    def __init__(
        self,
        store: Store,
        playbooks: Playbooks,
        agent: str,
        language: str,
        start_up: Pause | None = None,
        warning: str | None = None,
        config: Config | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        """`now`: the clock every screen reads (tests give their own)."""
        super().__init__()
        self.config = config or Config()
        """The agent's config file (name and contact for replies, first-response targets), read by the CLI."""
        self._no_color = NoColor()
        self.store = store
        self.playbooks = playbooks
        self.agent = agent
        self.leaving = False
        """Set once quitting has begun: keys typed ahead of the exit (`q` then `n`) must open nothing."""
        self.service = DeskService(store, playbooks, agent, now, self.config.response_targets)
        """Loading, polling, presence and every change: the screens ask it through workers."""
        self.service.open_inbox()  # before the loop runs: the first frame has rows
        self._polling = False
        self._poll_problem: str | None = None
        """The polling problem last shown: said once, not at every poll."""
        set_language(language)
        self._start_up = start_up
        """The command line's pause of the cycle collector for the start-up, ended by `_started`."""
        self._warning = warning
        """What the command line warned of before the screen covered it (an unknown --lang)."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        """NO_COLOR means no colour (no-color.org), not Textual's shades of grey: styles such as bold and
        reverse stay, and the marks (› for the cursor, * for a tag) say the rest."""
        filters = super().get_line_filters()
        if not self.no_color:
            return filters
        return [self._no_color if isinstance(line_filter, Monochrome) else line_filter for line_filter in filters]

    @property
    def language(self) -> str:
        return current_language()

    def now(self) -> datetime:
        """The time, from the one clock the app and the desk service read (settable in tests)."""
        return self.service.now()

    def get_default_screen(self) -> Screen[Any]:
        """The inbox is the bottom screen: every other one opens over it and closes back to it (and no
        empty screen is built beneath it)."""
        return InboxScreen()

    def on_mount(self) -> None:
        self._stamp = self.service.known_stamp
        self._cover_if_too_small(self.size.width, self.size.height)
        self.set_interval(POLL_SECONDS, self._show_others_work)
        self.call_after_refresh(self._started)
        if self._warning:
            self.notify(self._warning, severity="warning")

    def _started(self) -> None:
        """The first frame is up. What start-up made lives as long as the app: out of the collector's sight
        (frozen, garbage and all: a few hundred objects), so that collecting again never walks it."""
        if self._start_up is not None:
            gc.freeze()
            self._start_up.end()
            self._start_up = None

    def _show_others_work(self) -> None:
        """Another agent (or `agent-console note`) changed the desk: show it without a restart. The stat and
        the presence files are read on a worker; one still under way (a slow network disk) is not doubled."""
        if self.leaving or self._polling:
            return
        self._polling = True
        in_background(self, self.service.poll, Polled, PollFailed, group="poll")

    def on_polled(self, message: Polled) -> None:
        self._polling = False
        self._poll_problem = None
        screen = self._desk_screen()
        if screen is not None:
            screen.heartbeat()
        stamp = message.result.stamp
        if message.result.ours:  # our own change: the screen already shows it
            self._stamp = stamp
        if stamp != self._stamp and screen is not None:
            # Screens underneath reload when they are shown again.
            self._stamp = stamp
            screen.reload()

    def _desk_screen(self) -> DeskScreen | None:
        """The screen shown, if it is a desk screen and the app is not closing (answers still come in)."""
        if self.leaving or not self.screen_stack or not isinstance(self.screen, DeskScreen):
            return None
        return self.screen if self.screen.is_mounted else None

    def on_poll_failed(self, message: PollFailed) -> None:
        """Say what is wrong once (not every 1.5 s), and go on polling: it may pass (a network disk back)."""
        self._polling = False
        problem = labels.store_error(message.error)
        if problem != self._poll_problem and not self.leaving:
            self._poll_problem = problem
            self.notify(_("Cannot see others' changes: {error}").format(error=problem), severity="error")

    def on_saved(self, message: Saved) -> None:
        """A change whose screen closed before it was stored: the screen now shown catches up."""
        edit = message.result.edit
        if isinstance(edit, AddNote | AddReply):  # its editor was left while saving: its draft is the text now stored
            kind, language = ("note", self.language) if isinstance(edit, AddNote) else ("reply", edit.language)
            self.service.submit(SaveDraft(edit.complaint_id, kind, "", language))
            self.notify(_("Note saved.") if kind == "note" else _("Reply saved."))
        if message.result.warning is not None:  # a damaged drafts file set aside: said once
            self.notify(labels.store_error(message.result.warning), severity="warning")
        screen = self._desk_screen()
        if screen is not None and not isinstance(edit, SaveDraft):  # a draft is not the desk's data
            screen.reload(keep_position=True)

    def on_save_failed(self, message: SaveFailed) -> None:
        self.notify(_("Not saved: {error}").format(error=labels.store_error(message.error)), severity="error")

    def mail_ready(self) -> bool:
        """Whether replies can be sent by mail (the config file has a `[mail]` table); if not, says so."""
        if self.config.mail is None:
            path = self.config.path or config_path()
            self.notify(
                _("No [mail] table in {path}: replies cannot be sent by mail.").format(path=path), severity="error"
            )
        return self.config.mail is not None

    def send_replies(self, complaint_id: str, only: frozenset[str] | None = None) -> None:
        """Send the complaint's unsent replies by mail (`only`: just these) on a worker; each one's line is
        said when done, on whichever screen is up then."""
        mail = self.config.mail
        if mail is None or not self.mail_ready():
            return
        job = partial(self.service.send_replies, complaint_id, mail, self.config.agent.name, only)
        in_background(self, job, RepliesSent, SendingFailed, group="send-mail")
        self.notify(_("Sending by mail…"))

    def on_replies_sent(self, message: RepliesSent) -> None:
        report = message.result
        if report.problem is not None:
            self.notify(_("Not sent: {problem}").format(problem=report.problem), severity="error", timeout=15)
        elif report.failed:
            self.notify("\n".join(report.lines), severity="error", timeout=15)
        elif report.lines:
            self.notify("\n".join(report.lines))
        else:
            self.notify(_("Nothing to send: {id} has no unsent reply.").format(id=clean_line(report.complaint_id)))
        screen = self._desk_screen()
        if screen is not None:
            screen.reload(keep_position=True)

    def on_sending_failed(self, message: SendingFailed) -> None:
        self.notify(_("Not sent: {problem}").format(problem=labels.store_error(message.error)), severity="error")
        screen = self._desk_screen()
        if screen is not None:
            screen.reload(keep_position=True)

    def known_agents(self) -> list[str]:
        """The agents seen on the desk (anyone with a complaint assigned) and this one, for completing a
        name in the assign dialog."""
        names = {self.agent}
        for screen in self.screen_stack:
            if isinstance(screen, InboxScreen) and screen.model is not None:
                names.update(clean_line(name) for name in screen.model.index.categories["assignee"].values if name)
        return sorted(names, key=str.casefold)

    def open_complaint(self, complaint_id: str, compose: Literal["reply", "note"] | None = None) -> None:
        """Open a complaint, and with `compose` its reply or note editor over it (Esc leads to the complaint)."""
        from console.screens.complaint import ComplaintScreen  # not needed for the first screen

        self.push_screen(ComplaintScreen(complaint_id))
        if compose is not None:
            self.open_editor(complaint_id, compose)

    def open_editor(self, complaint_id: str, kind: Literal["reply", "note"]) -> None:
        from console.screens.compose import ComposeScreen  # not needed for the first screen

        self.push_screen(ComposeScreen(complaint_id, kind))

    def action_help(self) -> None:
        from console.screens.help import HelpScreen  # not needed for the first screen

        if isinstance(self.screen, HelpScreen):
            return
        title = _("Keys — {language}").format(language=language_name(self.language))
        extra = query_help(self.playbooks.kinds()) if isinstance(self.screen, InboxScreen) else []
        self.push_screen(HelpScreen(title, key_help(self, self.screen), extra))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Messages quote complaint ids, names and step titles: never markup. Routine ones and warnings go
        to the message line above the keys, each replacing the last, where they cover nothing the agent is
        working on; errors (and anything said before a screen is up) are toasts, kept longer."""
        if timeout is None:
            timeout = 5.0 if severity == "information" else 8.0
        if severity != "error" and (line := self._status_line()) is not None:
            line.say(message, warning=severity == "warning", timeout=timeout)
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _status_line(self) -> StatusLine | None:
        """The message line of the desk screen on top (under a dialog, it shows beneath the dialog)."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, DeskScreen):
                found = screen.query(StatusLine)
                return found.first() if found else None
        return None

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self.leaving = True
        self.service.leave()
        super().exit(*args, **kwargs)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Behind the "terminal too small" notice only quitting works; once leaving, nothing does."""
        if self.leaving:
            return False
        return action in ("quit", "help_quit") or not isinstance(self.screen, TooSmallScreen)

    def on_resize(self, event: events.Resize) -> None:
        self._cover_if_too_small(event.size.width, event.size.height)

    def _cover_if_too_small(self, width: int, height: int) -> None:
        """Below the smallest usable size, say so plainly instead of drawing a broken layout."""
        if not any(isinstance(screen, DeskScreen) for screen in self.screen_stack):
            return  # not started yet: on_mount checks once the inbox is up
        covered = isinstance(self.screen, TooSmallScreen)
        if too_small(width, height) and not covered:
            self.push_screen(TooSmallScreen())
        elif covered and not too_small(width, height):
            self.pop_screen()

    async def action_quit(self) -> None:
        """Quit. Text typed in an editor is kept as a draft first (the desk's writer finishes its queue
        before the program ends), so quitting loses nothing and asks nothing."""
        for screen in self.screen_stack:  # the editor may be under a dialog or the too-small notice
            if isinstance(screen, DeskScreen):
                screen.before_quit()
        self.exit()

    def action_help_quit(self) -> None:
        """ctrl+c copies in text fields; elsewhere say how to quit, in the current language."""
        self.notify(_("Press q or ctrl+q to quit."))

    def action_switch_language(self) -> None:
        set_language(next_language(self.language))
        self.clear_notifications()
        for screen in self.screen_stack:
            if isinstance(screen, DeskScreen):
                screen.retranslate()
        self.refresh_bindings()
        self.notify(_("Language: {name}").format(name=language_name(self.language)))

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette  # not needed for the first screen

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(CommandPalette(placeholder=_("Search for commands…"), id="--command-palette"))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every key of the current screen as a palette command, in the current language."""
        for entry in key_help(self, screen):
            if entry.action.startswith("tick(") or entry.action in NOT_COMMANDS:
                continue  # "tick step N" needs the number (keys 1–9 and "Tick step" cover it); moving is no command
            yield SystemCommand(  # the palette reads these as markup
                escape(entry.description),
                escape(entry.keys),
                lambda entry=entry: self.call_later(self.run_action, entry.action, entry.node),
            )
