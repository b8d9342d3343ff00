"""The bottom line: the keys the current screen offers, as mutt's help line shows them.

One widget drawing one line of text. Textual's Footer builds a widget per key and composes them again
whenever the focus moves (opening the filter field, say): about 20 ms of the inbox's start-up here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget

from console.i18n import N_, _
from console.keys import typed_as_text

if TYPE_CHECKING:
    from textual.binding import Binding

SHORT = {"reply_language": N_("Language")}
"""Actions the keys line names shorter than help does: the editor's title names the reply's language, and
"Reply language" there left no room for Esc at 80 columns in Finnish."""


def label(binding: Binding) -> str:
    """What the keys line says for `binding`, translated."""
    return _(SHORT.get(binding.action, binding.description))


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { height: 1; background: $footer-background; color: $footer-foreground; }
    KeyBar > .key-bar--key { background: $footer-key-background; color: $footer-key-foreground; text-style: bold; }
    KeyBar > .key-bar--disabled { color: $footer-foreground 50%; }
    """
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--disabled"}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def render(self) -> Text:
        """`key description` for each shown binding, one per action (the first key bound to it), as many
        as fit whole: a key cut from its description says nothing. The descriptions are the app's own
        msgids, translated here; appended as plain text, never read as markup."""
        key_style = self.get_component_rich_style("key-bar--key")
        disabled_style = self.get_component_rich_style("key-bar--disabled")
        line = Text(no_wrap=True, end="")
        actions: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in actions or typed_as_text(self.screen, binding.key):
                continue
            actions.add(binding.action)
            key = self.app.get_key_display(binding)
            entry = Text(f" {key} ", key_style if enabled else disabled_style)
            entry.append(f"{label(binding)} ", None if enabled else disabled_style)
            if line.cell_len + entry.cell_len > self.size.width:
                break
            line.append_text(entry)
        return line
