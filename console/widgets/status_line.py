"""The message line above the keys: what a key just did ("Step 3 done: …"), one message at a time."""

from __future__ import annotations

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static


class StatusLine(Static):
    """Routine confirmations and warnings, each replacing the one before, as mutt's and aerc's message line
    does: ticking 1 2 3 leaves one line, not three toasts piled over the checklist or a dialog. Errors stay
    toasts (the app decides). Messages arrive already made inert; shown as plain text, never markup."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusLine.-warning { color: $text-warning; text-style: bold; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.message = ""
        """What the line says now ("" once it has gone)."""
        self._timer: Timer | None = None

    def say(self, message: str, warning: bool, timeout: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.message = message
        self.set_class(warning, "-warning")
        # Without colour a warning is still told apart by its sign.
        self.update(Text(f"⚠ {message}" if warning else message))
        self._timer = self.set_timer(timeout, self.expire)

    def expire(self) -> None:
        """The message has had its time: the line goes blank until the next."""
        self.message = ""
        self.update("")
