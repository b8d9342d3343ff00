"""The house style's one hard number: no class under console/ is longer than 400 lines."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import console

MAX_CLASS_LINES = 400
PACKAGE = Path(console.__file__).parent


def class_sizes(source: str, name: str) -> list[tuple[str, int]]:
    """Every class in `source` (nested ones too) with its length in lines, decorators included."""
    sizes = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.ClassDef):
            first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
            assert node.end_lineno is not None
            sizes.append((node.name, node.end_lineno - first + 1))
    return sizes


def test_class_sizes_are_measured_from_the_first_to_the_last_line() -> None:
    source = textwrap.dedent(
        """\
        import x

        @decorated
        class Outer:
            a = 1

            class Inner:
                b = 2

            def f(self):
                return 3
        """
    )
    assert class_sizes(source, "example.py") == [("Outer", 9), ("Inner", 2)]


def test_no_class_in_the_package_is_over_400_lines() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20  # the package itself, not an empty folder
    too_long = [
        f"{path.relative_to(PACKAGE.parent)}: {name} has {size} lines"
        for path in files
        for name, size in class_sizes(path.read_text(encoding="utf-8"), str(path))
        if size > MAX_CLASS_LINES
    ]
    assert not too_long, "split these along their concerns:\n" + "\n".join(too_long)
