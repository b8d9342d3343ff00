"""The app uses Textual's public API only: no name that Textual keeps private (a leading underscore on its
classes, or set on `self` in its sources) is read, written or overridden anywhere in the package, so a
Textual release that renames its internals cannot break the desk silently."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import textual

PACKAGE = Path(__file__).resolve().parents[1] / "console"


def textual_private_names() -> set[str]:
    names: set[str] = set()
    for source in Path(textual.__file__).parent.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        names.update(re.findall(r"\bself\.(_[a-z][A-Za-z0-9_]*)", text))
        names.update(re.findall(r"^\s+(?:async )?def (_[a-z][A-Za-z0-9_]*)\(", text, re.MULTILINE))
    return names


def own_names(tree: ast.AST) -> set[str]:
    """What a module itself defines: attributes it assigns and methods it writes."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def private_uses(private: set[str]) -> list[str]:
    """Private Textual names read in the modules that use Textual, other than their own."""
    found = []
    for source in sorted(PACKAGE.rglob("*.py")):
        text = source.read_text(encoding="utf-8")
        if "textual" not in text:
            continue
        tree = ast.parse(text)
        ours = own_names(tree) - {"_bindings", "_filters", "_merged_bindings"}  # assigning these is use too
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in private and node.attr not in ours:
                found.append(f"{source.relative_to(PACKAGE.parent)}:{node.lineno}: {node.attr}")
    return found


def test_the_package_touches_no_private_textual_name() -> None:
    private = textual_private_names()
    assert {"_bindings", "_filters", "_merged_bindings", "_compositor"} <= private  # the scan sees them
    assert private_uses(private) == []
