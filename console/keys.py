"""Key bindings in the current language, and the list of every key that `?` and the palette show.

Binding descriptions are English msgids at class level (Textual evaluates BINDINGS at import); each node's
bindings are rebuilt with translated descriptions when it is shown and whenever the language changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from console.i18n import N_, _


def translate_bindings(node: DOMNode) -> None:
    """Give `node` its class bindings with descriptions in the current language."""
    merged = type(node)._merged_bindings
    if merged is None:
        return
    node._bindings = BindingsMap.from_keys(
        {
            key: [
                replace(binding, description=_(binding.description)) if binding.description else binding
                for binding in bindings
            ]
            for key, bindings in merged.key_to_bindings.items()
        }
    )


def movement_bindings(
    down: str = "cursor_down",
    up: str = "cursor_up",
    first: str = "first",
    last: str = "last",
    page_down: str | None = "page_down",
    page_up: str | None = "page_up",
) -> list[Binding]:
    """The keys that move in every list and pane, as in mutt and less: j/k, g/G, PgDn/PgUp (ctrl+d/u)."""
    bindings = [
        Binding("j,down", down, N_("Down"), show=False),
        Binding("k,up", up, N_("Up"), show=False),
        Binding("g,home", first, N_("First"), show=False),
        Binding("G,end", last, N_("Last"), show=False),
    ]
    if page_down and page_up:
        bindings.append(Binding("pagedown,ctrl+d", page_down, N_("Page down"), show=False))
        bindings.append(Binding("pageup,ctrl+u", page_up, N_("Page up"), show=False))
    return bindings


SCROLL_BINDINGS = movement_bindings("scroll_down", "scroll_up", "scroll_home", "scroll_end")
"""Movement keys for a scrolling pane of text."""


class TranslatedBindings:
    """Mixin for our widgets and screens: bindings in the current language from construction on, so the
    keys line is right in the first frame rather than after every node translates itself."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert isinstance(self, DOMNode)
        translate_bindings(self)


def translate_tree(node: DOMNode) -> None:
    for child in node.walk_children(with_self=True):
        if _is_ours(child):
            translate_bindings(child)


def _is_ours(node: DOMNode) -> bool:
    return type(node).__module__.startswith("console.")


class KeyHelp(NamedTuple):
    """One action, the keys that run it, and where it runs."""

    keys: str
    description: str
    action: str
    node: DOMNode


def _keys_text(keys: list[str]) -> str:
    """Keys as shown in help: `j ↓`, and a run of digits as `1–9`."""
    digits = [key for key in keys if key.isdigit()]
    others = [key for key in keys if not key.isdigit()]
    if len(digits) > 2:
        others.append(f"{digits[0]}–{digits[-1]}")
    else:
        others.extend(digits)
    return " ".join(others)


def key_help(app: App[object], screen: DOMNode) -> list[KeyHelp]:
    """Every key that works on `screen` (its widgets' keys, then the screen's, then the app's), one entry
    per description, so `j` that scrolls the body and moves the checklist is listed once."""
    nodes = [node for node in screen.walk_children(with_self=True) if _is_ours(node) and node is not screen]
    grouped: dict[str, list[str]] = {}
    owner: dict[str, tuple[str, DOMNode]] = {}
    taken: set[str] = set()  # keys the screen binds: the app's `q` is not "Quit" where the screen's goes back
    for node in [*nodes, screen, app]:
        for key, binding in node._bindings:
            if node is not app:
                taken.add(key)
            if not binding.description or (node is app and key in taken):
                continue
            keys = grouped.setdefault(binding.description, [])
            display = app.get_key_display(binding)
            if display not in keys:
                keys.append(display)
            owner.setdefault(binding.description, (binding.action, node))
    return [KeyHelp(_keys_text(keys), description, *owner[description]) for description, keys in grouped.items()]
