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
    """Asks for an agent's name; Enter with the name assigns, an empty name unassigns."""

    def __init__(self, current: str | None, me: str) -> None:
        super().__init__()
        self.current = current
        self.me = me

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Assign to")), classes="title")
            yield Input(value=self.current or self.me, placeholder=_("agent name"), id="agent")
            yield Static(Text(_("Enter: assign · empty: unassign · Esc: cancel")), classes="hint")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(clean_line(event.value))


class ChoiceList(OptionList, inherit_bindings=False):
    """An option list that moves with the desk's keys (j/k, g/G, PgDn/PgUp); Enter chooses."""

    BINDINGS = [*movement_bindings(), Binding("enter", "select", N_("Choose"), show=False)]


class ChoiceDialog(_Dialog[str]):
    """A title and a list of choices (id, label); Enter picks one, the dialog answers its id."""

    def __init__(
        self, title: str, choices: Sequence[tuple[str, str]], current: str | None, id: str = "choices"
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current
        self.list_id = id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), classes="title")
            yield ChoiceList(*(Option(Text(label), id=key) for key, label in self.choices), id=self.list_id)
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
    return ChoiceDialog(_("Choose a playbook"), choices, current, id="playbooks")


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
