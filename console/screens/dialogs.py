"""Small modal questions: who to assign to, which of a list (a playbook, a status), yes or no."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from console.i18n import N_, _
from console.keys import movement_bindings
from console.playbooks import Playbooks
from console.safe_text import clean_line

T = TypeVar("T")


class _Dialog(ModalScreen[T]):
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), show=True)]

    DEFAULT_CSS = """
    _Dialog { align: center middle; }
    _Dialog > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    _Dialog .hint { color: $text-muted; }
    """

    def action_cancel(self) -> None:
        self.dismiss(None)


class AssignDialog(_Dialog[str]):
    """Asks for an agent's name, pre-filled with the agent's own and completed from the agents seen on the
    desk; Enter with a name assigns, an empty name unassigns. A name no one on the desk has is asked
    about once more, so that a typo does not make a new agent."""

    def __init__(self, current: str | None, me: str, known: Sequence[str] = ()) -> None:
        super().__init__()
        self.current = current
        self.me = me
        self.known = {name.casefold(): name for name in [*known, me]}
        self._new_name = ""
        """A name not on the desk, entered once: Enter again with it assigns."""

    def compose(self) -> ComposeResult:
        with Vertical():
            title = _("Assign to")
            if self.current:
                title += " " + _("(now: {agent})").format(agent=clean_line(self.current))
            yield Static(Text(title), classes="title")
            yield Input(
                value=self.me,
                placeholder=_("agent name"),
                suggester=SuggestFromList(sorted(self.known.values(), key=str.casefold), case_sensitive=False),
                id="agent",
            )
            yield Static(Text(self._hint()), classes="hint", id="assign-hint")

    @staticmethod
    def _hint() -> str:
        return _("Enter: assign · →: complete · empty: unassign · Esc: cancel")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        name = clean_line(event.value).strip()
        if name:
            name = self.known.get(name.casefold(), name)  # "Anna" is anna, who is on the desk
        if name and name.casefold() not in self.known and name != self._new_name:
            self._new_name = name
            warning = _("No one called {agent} is on the desk yet. Enter again to assign to a new agent.")
            self.query_one("#assign-hint", Static).update(Text(warning.format(agent=name)))
            return
        self.dismiss(name)

    @on(Input.Changed)
    def typed(self) -> None:
        if self._new_name:
            self._new_name = ""
            self.query_one("#assign-hint", Static).update(Text(self._hint()))


class ChoiceList(OptionList, inherit_bindings=False):
    """An option list that moves with the desk's keys (j/k, g/G, PgDn/PgUp); Enter chooses. The highlighted
    choice is marked `›` and, without colour (NO_COLOR), in reverse video, as the inbox's cursor is."""

    BINDINGS = [*movement_bindings(), Binding("enter", "select", N_("Choose"), show=False)]

    def __init__(self, choices: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        self.labels = {key: label for key, label in choices}
        super().__init__(*(Option(Text("  " + label), id=key) for key, label in choices), id=id)

    def _prompt(self, label: str, highlighted: bool) -> Text:
        # Textual's option styles carry no reverse video: without colour, the prompt itself is reversed.
        if highlighted:
            return Text("› " + label, style="bold reverse" if self.app.no_color else "")
        return Text("  " + label)

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        for index, option in enumerate(self.options):
            if option.id is not None:
                self.replace_option_prompt_at_index(index, self._prompt(self.labels[option.id], index == highlighted))


class ChoiceDialog(_Dialog[str]):
    """A title and a list of choices (id, label); Enter picks one, the dialog answers its id."""

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, str]],
        current: str | None,
        id: str = "choices",
        note: str = "",
    ) -> None:
        """`note`: what choosing does beyond the obvious, said under the choices."""
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current
        self.list_id = id
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), classes="title")
            yield ChoiceList(self.choices, id=self.list_id)
            if self.note:
                yield Static(Text(self.note), classes="note")
            yield Static(Text(_("Enter: choose · Esc: cancel")), classes="hint")

    def on_mount(self) -> None:
        if self.current is not None:
            choices = self.query_one(ChoiceList)
            choices.highlighted = choices.get_option_index(self.current)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


def playbook_dialog(playbooks: Playbooks, current: str | None, language: str) -> ChoiceDialog:
    """The playbooks in the current language, with their number of steps."""
    choices = [(playbook.id, f"{playbook.title(language)} ({len(playbook.steps)})") for playbook in playbooks.all]
    note = _("Ticks are kept for each playbook: switching back brings them back.")
    return ChoiceDialog(_("Choose a playbook"), choices, current, id="playbooks", note=note)


class ConfirmDialog(_Dialog[bool]):
    """A yes/no question; y confirms, n or Esc declines."""

    BINDINGS = [
        # y/n, and the yes/no letters of fi/et/hr (kyllä, jah, da / ei, ne), whatever the layout of the hint
        Binding("y,k,j,d", "answer(True)", N_("Yes"), show=True),
        Binding("n,e", "answer(False)", N_("No"), show=True),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question), classes="title")
            yield Static(Text(_("y: yes · n or Esc: no")), classes="hint")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(False)


class PathDialog(_Dialog[str]):
    """A file's path, pre-filled; Enter answers it (`~` is the agent's home), Esc cancels."""

    def __init__(self, title: str, path: str) -> None:
        super().__init__()
        self.title_text = title
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), classes="title")
            yield Input(value=self.path, id="path")
            yield Static(Text(_("Enter: save · Esc: cancel")), classes="hint")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
