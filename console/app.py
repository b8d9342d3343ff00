"""The TUI: owns the store, the playbooks and the language, and pushes the screens."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen

from console.i18n import (
    N_,
    _,
    current_language,
    language_name,
    next_language,
    set_language,
)
from console.keys import key_help, translate_bindings
from console.playbooks import Playbooks
from console.screens.complaint import ComplaintScreen
from console.screens.desk import DeskScreen
from console.screens.help import HelpScreen
from console.screens.inbox import InboxScreen
from console.store import Store

POLL_SECONDS = 1.5


class ConsoleApp(App[None]):
    TITLE = "agent-console"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", N_("Help"), show=True),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=True),
        Binding("L", "switch_language", N_("Language"), show=True),
        Binding("q", "quit", N_("Quit"), show=True),
    ]

    CSS = """
    Screen { layers: base above; }
    #too-small { layer: above; display: none; width: 100%; height: 100%; content-align: center middle;
                 background: $background; text-style: bold; }
    .-too-small #too-small { display: block; }
    Footer { height: 1; }
    """

    def __init__(self, store: Store, playbooks: Playbooks, agent: str, language: str) -> None:
        super().__init__()
        self.store = store
        self.playbooks = playbooks
        self.agent = agent
        self.drafts: dict[str, str] = {}
        """Unsaved note text by complaint id, kept while the app runs."""
        set_language(language)
        translate_bindings(self)

    @property
    def language(self) -> str:
        return current_language()

    def on_mount(self) -> None:
        self._stamp = self.store.stamp()
        self.push_screen(InboxScreen())
        self.set_interval(POLL_SECONDS, self._show_others_work)

    def _show_others_work(self) -> None:
        """Another agent (or `agent-console note`) changed the desk: show it without a restart."""
        stamp = self.store.stamp()
        if stamp != self._stamp and isinstance(self.screen, DeskScreen) and self.screen.is_mounted:
            # Screens underneath reload when they are shown again.
            self._stamp = stamp
            self.screen.reload()

    def open_complaint(self, complaint_id: str, write_note: bool = False) -> None:
        self.push_screen(ComplaintScreen(complaint_id, write_note=write_note))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        title = _("Keys") + " — " + language_name(self.language)
        self.push_screen(HelpScreen(title, key_help(self, self.screen)))

    def action_help_quit(self) -> None:
        """ctrl+c copies in text fields; elsewhere say how to quit, in the current language."""
        self.notify(_("Press q or ctrl+q to quit."))

    def action_switch_language(self) -> None:
        set_language(next_language(self.language))
        translate_bindings(self)
        if isinstance(self.screen, HelpScreen):  # help lists keys of the screen below: list them anew
            self.screen.dismiss(None)
            self.call_later(self.action_help)
        for screen in self.screen_stack:
            if isinstance(screen, DeskScreen):
                screen.retranslate()
        self.refresh_bindings()
        self.notify(_("Language: {name}").format(name=language_name(self.language)))

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=_("Search for commands…"), id="--command-palette"))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every key of the current screen as a palette command, in the current language."""
        for entry in key_help(self, screen):
            if entry.keys[:1].isdigit():
                continue  # "tick step N" needs the number: the keys 1–9 and "Tick step" cover it
            yield SystemCommand(
                entry.description,
                entry.keys,
                lambda entry=entry: self.call_later(self.run_action, entry.action, entry.node),
            )
