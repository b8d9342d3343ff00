"""Key bindings in the current language, and the list of every key that `?` and the palette show.

Binding descriptions are English msgids at class level (Textual evaluates BINDINGS at import); each node's
bindings are rebuilt with translated descriptions when it is shown and whenever the language changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from console.i18n import _


def translate_bindings(node: DOMNode) -> None:
    """Give `node` its class bindings with descriptions in the current language."""
    merged = type(node)._merged_bindings
    if merged is None:
        return
    node._bindings = BindingsMap.from_keys(
        {
            key: [replace(binding, description=_(binding.description)) if binding.description else binding
                  for binding in bindings]
            for key, bindings in merged.key_to_bindings.items()
        }
    )


def translate_tree(node: DOMNode) -> None:
    for child in node.walk_children(with_self=True):
        if _is_ours(child):
            translate_bindings(child)


def _is_ours(node: DOMNode) -> bool:
    return type(node).__module__.startswith("console.")


@dataclass(frozen=True)
class KeyHelp:
    """One action, the keys that run it, and where it runs."""

    keys: str
    description: str
    action: str
    node: DOMNode


def key_help(app: App[object], screen: DOMNode) -> list[KeyHelp]:
    """Every key that works on `screen` (its own widgets' keys, then the screen's, then the app's)."""
    nodes = [node for node in screen.walk_children(with_self=True) if _is_ours(node)]
    nodes = [node for node in nodes if node is not screen] + [screen, app]
    grouped: dict[tuple[str, str], list[Binding]] = {}
    owner: dict[tuple[str, str], DOMNode] = {}
    for node in nodes:
        for key_name, binding in node._bindings:
            if not binding.description:
                continue
            group = (binding.action, binding.description)
            grouped.setdefault(group, []).append(binding)
            owner.setdefault(group, node)
    entries = []
    for (action, description), bindings in grouped.items():
        keys = []
        for binding in bindings:
            display = app.get_key_display(binding)
            if display not in keys:
                keys.append(display)
        entries.append(KeyHelp(" ".join(keys), description, action, owner[(action, description)]))
    return entries
