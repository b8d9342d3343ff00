"""Key bindings in the current language, and the list of every key that `?` and the palette show.

Binding descriptions are English msgids at class level (Textual evaluates BINDINGS at import). They are
translated where they are shown — the keys line, help and the palette — so a language switch needs no
rebuilding of any node's bindings (and no private Textual API).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.keys import key_to_character
from textual.screen import Screen

from console.i18n import N_, _


def movement_bindings(
    down: str = "cursor_down",
    up: str = "cursor_up",
    first: str = "first",
    last: str = "last",
    page_down: str | None = "page_down",
    page_up: str | None = "page_up",
) -> list[BindingType]:
    """The keys that move in every list and pane, as in mutt and less: j/k, g/G, PgDn/PgUp (ctrl+d/u)."""
    bindings: list[BindingType] = [
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


def node_bindings(node: DOMNode) -> list[Binding]:
    """The keys a node's own classes declare (their public `BINDINGS`), bases first: ours, and the
    App's (ctrl+q). Textual's widgets' and screens' keys are left out: ours replace them with the desk's."""
    declared: list[Binding] = []
    for cls in reversed(type(node).__mro__):
        own = cls.__dict__.get("BINDINGS")
        if own and (cls.__module__.startswith("console.") or cls is App):
            declared.extend(Binding.make_bindings(own))
    return declared


def typed_as_text(screen: Screen[Any], key: str) -> bool:
    """A key the focused widget takes as text (`q` in the reply editor): there it is no key, and the keys
    line and help leave it out."""
    focused = screen.focused
    character = key_to_character(key)
    return focused is not None and character is not None and focused.check_consume_key(key, character)


def key_help(app: App[Any], screen: Screen[Any]) -> list[KeyHelp]:
    """Every key that works on `screen` (its widgets' keys, then the screen's, then the app's), one entry
    per description, so `j` that scrolls the body and moves the checklist is listed once. A key the focused
    widget takes as text is left out; its action stays (with no key, for the palette)."""
    nodes = [node for node in screen.walk_children(with_self=True) if _is_ours(node) and node is not screen]
    grouped: dict[str, list[str]] = {}
    owner: dict[str, tuple[str, DOMNode]] = {}
    taken: set[str] = set()  # keys the screen binds: the app's `q` is not "Quit" where the screen's goes back
    for node in [*nodes, screen, app]:
        for binding in node_bindings(node):
            if node is not app:
                taken.add(binding.key)
            if not binding.description or (node is app and binding.key in taken):
                continue
            description = _(binding.description)
            keys = grouped.setdefault(description, [])
            display = app.get_key_display(binding)
            if display not in keys and not typed_as_text(screen, binding.key):
                keys.append(display)
            owner.setdefault(description, (binding.action, node))
    return [KeyHelp(_keys_text(keys), description, *owner[description]) for description, keys in grouped.items()]
