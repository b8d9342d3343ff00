"""The phrase picker: the snippets for the playbook step at hand first, then the others, titled in the
agent's language and previewed in the reply's, with the customer's name, the agent's name and contact and
the complaint's id filled in; a snippet with a date asks for one first."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, OptionList, Static

from console.i18n import _, current_language, language_in_ui
from console.playbooks import Playbook
from console.safe_text import clean_line
from console.screens.dialogs import ChoiceList, _Dialog
from console.snippets import Placeholders, Snippet, fill, serves, snippets, unfilled
from console.store import Complaint

Inserted = Callable[[str, int | None, list[str]], None]
"""Gets the filled text, the step it serves and the placeholders left in it for want of a value."""
"""Told the text to insert and the index of the playbook step the snippet serves (None: no open step)."""

_DAYS = re.compile(r"^\+?\s*(\d{1,3})\s*[a-z]*$", re.IGNORECASE)


def parse_date(answer: str, today: datetime.date) -> datetime.date | None:
    """`+3` (or `3`, `3d`) is three days from today; `2026-12-08` is that day; anything else None."""
    answer = answer.strip()
    if match := _DAYS.match(answer):
        return today + datetime.timedelta(days=int(match.group(1)))
    try:
        return datetime.date.fromisoformat(answer)
    except ValueError:
        return None


def format_day(day: datetime.date, language: str) -> str:
    """The date as the snippet will have it."""
    return fill("{date}", Placeholders("", "", "", "", day), language)


class PhrasePicker(_Dialog[str]):
    """Answers the chosen snippet's key."""

    DEFAULT_CSS = """
    PhrasePicker > Vertical { width: 76; }
    PhrasePicker ChoiceList { height: auto; max-height: 9; }
    PhrasePicker #preview { height: auto; max-height: 6; border-top: hkey $panel-lighten-2; }
    """

    def __init__(
        self, title: str, choices: list[tuple[str, str]], texts: dict[str, str], previews: dict[str, str]
    ) -> None:
        """`texts`: each snippet as written, with its placeholders; `previews`: filled as far as known."""
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.texts = texts
        self.previews = previews

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), classes="title")
            yield ChoiceList(self.choices, id="phrases")
            with VerticalScroll(id="preview"):
                yield Static(id="preview-text")
            yield Static(Text(_("Enter: insert at the cursor · Esc: cancel")), classes="hint")

    def on_mount(self) -> None:
        choices = self.query_one(ChoiceList)
        choices.highlighted = 0
        self._preview(self.choices[0][0] if self.choices else None)

    @on(OptionList.OptionHighlighted)
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._preview(event.option.id)

    def _preview(self, key: str | None) -> None:
        self.query_one("#preview-text", Static).update(Text(self.previews.get(key or "", "")))

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class DateDialog(_Dialog[datetime.date]):
    """A date for the snippet: days from today or an ISO date, shown as the reply's language writes it."""

    def __init__(self, language: str, today: datetime.date) -> None:
        super().__init__()
        self.language = language
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Which date? +3 is three days from today, or 2026-12-08")), classes="title")
            yield Input(value="+3", id="date")
            yield Static(id="date-shown")
            yield Static(Text(_("Enter: use this date · Esc: cancel")), classes="hint")

    def on_mount(self) -> None:
        self._show(self.query_one(Input).value)

    @on(Input.Changed)
    def typed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, answer: str) -> None:
        day = parse_date(answer, self.today)
        shown = f"→ {format_day(day, self.language)}" if day else _("Not a date: {answer}").format(answer=answer)
        self.query_one("#date-shown", Static).update(Text(clean_line(shown)))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        day = parse_date(event.value, self.today)
        if day is not None:
            self.dismiss(day)


def open_step(complaint: Complaint, playbook: Playbook) -> int | None:
    """The first step not done: the one the agent is at."""
    return next(
        (index for index, step in enumerate(playbook.steps) if complaint.tick(playbook.id, step.id) is None), None
    )


def served_step(snippet: Snippet, complaint: Complaint, playbook: Playbook) -> int | None:
    """The first step not done that the snippet serves (it may serve steps of other playbooks)."""
    for index, step in enumerate(playbook.steps):
        if serves(snippet.steps, playbook.id, step.id) and complaint.tick(playbook.id, step.id) is None:
            return index
    return None


def open_picker(
    app: App[object],
    complaint: Complaint,
    playbook: Playbook,
    language: str,
    values: Placeholders,
    today: datetime.date,
    inserted: Inserted,
) -> None:
    """Show the picker; the chosen snippet, filled (after a date if it needs one, counted from `today`),
    goes to `inserted`."""
    step_index = open_step(complaint, playbook)
    step_id = playbook.steps[step_index].id if step_index is not None else None
    found = snippets(language, step_id, playbook.id)
    by_key = {snippet.key: snippet for snippet in found}
    choices = []
    for snippet in found:
        at_hand = step_index is not None and serves(snippet.steps, playbook.id, step_id)
        mark = f"{step_index + 1}." if at_hand and step_index is not None else "  "
        choices.append((snippet.key, f"{mark} {snippet.title}"))
    previews = {snippet.key: fill(snippet.text, values, language) for snippet in found}
    if step_index is not None:
        step = playbook.steps[step_index]
        title = _("Phrases in {language}; first those for step {number}, {step}").format(
            language=language_in_ui(language), number=step_index + 1, step=step.title(current_language())
        )
    else:
        title = _("Phrases in {language}").format(language=language_in_ui(language))

    def chosen(key: str | None) -> None:
        snippet = by_key.get(key or "")
        if snippet is None:
            return
        served = served_step(snippet, complaint, playbook)
        if "{date}" not in snippet.text:
            inserted(fill(snippet.text, values, language), served, unfilled(snippet.text, values))
            return

        def dated(day: datetime.date | None) -> None:
            if day is not None:
                filled = Placeholders(values.customer, values.agent, values.contact, values.complaint_id, day)
                inserted(fill(snippet.text, filled, language), served, unfilled(snippet.text, filled))

        app.push_screen(DateDialog(language, today), dated)

    texts = {snippet.key: snippet.text for snippet in found}
    app.push_screen(PhrasePicker(title, choices, texts, previews), chosen)
