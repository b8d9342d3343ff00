"""Handing a reply on: to the clipboard (OSC 52, which reaches the agent's own terminal over SSH) or to a
file the agent names (written on a worker, whole or not at all)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.screen import Screen

from console.i18n import _, ngettext
from console.safe_text import clean_line
from console.text_file import TextFileError, default_name, write_text_file


@dataclass
class TextFileSaved(Message, bubble=False):
    path: Path


@dataclass
class TextFileNotSaved(Message, bubble=False):
    problem: str


def copy_text(screen: Screen[Any], text: str) -> None:
    if not text.strip():
        screen.notify(_("Nothing to copy."), severity="warning")
        return
    screen.app.copy_to_clipboard(text)
    characters = len(text)
    screen.notify(
        ngettext(
            "Copied {count} character to the clipboard (OSC 52).",
            "Copied {count} characters to the clipboard (OSC 52).",
            characters,
        ).format(count=characters)
    )


def save_text_to_file(screen: Screen[Any], text: str, complaint_id: str) -> None:
    """Ask for a path, then write the file on a worker; the screen hears `TextFileSaved` or
    `TextFileNotSaved` (see `HandOnMessages`)."""
    if not text.strip():
        screen.notify(_("Nothing to save."), severity="warning")
        return
    from console.screens.dialogs import PathDialog

    def chosen(answer: str | None) -> None:
        if answer:
            screen.run_worker(partial(_write, screen, Path(answer), text), group="text-file", thread=True)

    screen.app.push_screen(PathDialog(_("Save the text to a file"), f"~/{default_name(complaint_id)}"), chosen)


def _write(screen: Screen[Any], path: Path, text: str) -> None:
    try:
        written = write_text_file(path, text)
    except TextFileError as error:
        screen.post_message(TextFileNotSaved(str(error)))
        return
    screen.post_message(TextFileSaved(written))


class HandOnMessages:
    """What a screen that saves text to files does with the answer."""

    def on_text_file_saved(self: Screen[Any], message: TextFileSaved) -> None:  # type: ignore[misc]
        self.notify(_("Saved to {path}.").format(path=clean_line(str(message.path))))

    def on_text_file_not_saved(self: Screen[Any], message: TextFileNotSaved) -> None:  # type: ignore[misc]
        self.notify(_("Not saved: {error}").format(error=clean_line(message.problem)), severity="error")
