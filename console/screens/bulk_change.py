"""Changing the tagged complaints at once: the dialog asking for the new value, the question confirming
it, and what to say once it (or its undo) is stored. The desk service applies and undoes the change."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from console import labels
from console.desk import Edit, Outcome, SetMany, UndoLast
from console.i18n import _, format_count, ngettext
from console.playbooks import Playbooks
from console.safe_text import clean_line
from console.store import PRIORITIES, STATUSES

if TYPE_CHECKING:
    from textual.screen import ModalScreen

    from console.app import ConsoleApp
    from console.screens.desk import DeskScreen

BULK_IN_BACKGROUND = 100
"""Above this many complaints a bulk change runs in a worker, saying so (at 20k, 500 take over a second)."""


class TaggedChanges:
    """Changing the complaints tagged on `screen` at once: the new value asked, the change confirmed, then
    queued with `save`; what was changed (or undone) is said once it is stored. `hidden` counts the tagged
    complaints not shown."""

    def __init__(
        self,
        screen: DeskScreen,
        tagged: set[str],
        save: Callable[[Edit, Callable[[Outcome], None]], None],
        hidden: Callable[[], int],
    ) -> None:
        self._screen = screen
        self._tagged = tagged
        self._save = save
        self._hidden = hidden

    def ask(self, field: str) -> None:
        """Ask for the new `field` of the tagged complaints, then confirm it."""

        def chosen(value: str | None) -> None:
            if value is None:
                return
            self._confirm(field, value or None)

        self._screen.app.push_screen(value_dialog(field, self._screen.desk), chosen)

    def _confirm(self, field: str, value: str | None) -> None:
        ids = sorted(self._tagged)
        desk = self._screen.desk
        asked = question(field, value, len(ids), self._hidden(), desk.playbooks, desk.language)

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply(SetMany(field, dict.fromkeys(ids, value)), len(ids))

        from console.screens.dialogs import ConfirmDialog  # not needed for the first screen

        self._screen.app.push_screen(ConfirmDialog(asked), answered)

    def undo(self) -> None:
        """Undo the last bulk change, once it (and any still queued) is stored: the desk service keeps it."""
        self._apply(UndoLast(), 0)

    def _apply(self, edit: Edit, count: int) -> None:
        if (said := changing(count)) is not None:
            self._screen.notify(said)
        self._save(edit, self._applied)

    def _applied(self, outcome: Outcome) -> None:
        message, warning = outcome_message(outcome)
        self._screen.notify(message, severity="warning" if warning else "information")


def toggle_all(tagged: set[str], shown: Collection[str]) -> None:
    """`T`: tag every complaint shown, or untag them all when all already are."""
    if shown and tagged.issuperset(shown):
        tagged.difference_update(shown)
    else:
        tagged.update(shown)


def value_dialog(field: str, desk: ConsoleApp) -> ModalScreen[str]:
    """The dialog asking for the new `field` of the tagged complaints."""
    from console.screens.dialogs import AssignDialog, ChoiceDialog, playbook_dialog  # not for the first screen

    if field == "status":
        statuses = [(status, labels.status(status)) for status in STATUSES]
        return ChoiceDialog(_("Status of the tagged complaints"), statuses, None)
    if field == "priority":
        priorities = [(priority, labels.priority(priority)) for priority in PRIORITIES]
        return ChoiceDialog(_("Priority of the tagged complaints"), priorities, None)
    if field == "assignee":
        return AssignDialog(None, desk.agent, desk.known_agents())
    return playbook_dialog(desk.playbooks, None, desk.language)


def question(field: str, value: str | None, count: int, hidden: int, playbooks: Playbooks, language: str) -> str:
    """ "Set status to Waiting on 3 tagged complaints?", saying how many of them are not shown."""
    shown = shown_value(field, value, playbooks, language)
    asked = ngettext(
        "Set {field} to {value} on {count} tagged complaint?",
        "Set {field} to {value} on {count} tagged complaints?",
        count,
    ).format(field=field_name(field), value=shown, count=format_count(count))
    if hidden:
        asked += "\n" + ngettext(
            "{count} of them is not shown (filter or view).",
            "{count} of them are not shown (filter or view).",
            hidden,
        ).format(count=format_count(hidden))
    return asked


def changing(count: int) -> str | None:
    """What to say while a big change is applied (None: it is quick, nothing to say)."""
    if count <= BULK_IN_BACKGROUND:
        return None
    said = ngettext("Changing {count} complaint…", "Changing {count} complaints…", count)
    return said.format(count=format_count(count))


def outcome_message(outcome: Outcome) -> tuple[str, bool]:
    """What to say once a bulk change or its undo is stored, and whether it is a warning."""
    if isinstance(outcome.edit, UndoLast):
        if outcome.undid is None:
            return _("Nothing to undo."), True
        said = ngettext("Undone on {count} complaint.", "Undone on {count} complaints.", outcome.changed)
    else:
        said = ngettext(
            "Changed {count} complaint; u to undo.", "Changed {count} complaints; u to undo.", outcome.changed
        )
    return said.format(count=format_count(outcome.changed)), False


def field_name(field: str) -> str:
    return {
        "status": _("status"),
        "priority": _("priority"),
        "assignee": _("agent"),
        "playbook": _("playbook"),
    }[field]


def shown_value(field: str, value: str | None, playbooks: Playbooks, language: str) -> str:
    if field == "status" and value:
        return labels.status(value)
    if field == "priority" and value:
        return labels.priority(value)
    if field == "playbook" and value:
        return playbooks[value].title(language)
    return clean_line(value) if value else _("nobody")
