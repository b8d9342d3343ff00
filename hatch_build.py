"""Compile the gettext catalogs (locales/*/LC_MESSAGES/*.po) into .mo files inside the wheel."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogs(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        out = Path(tempfile.mkdtemp(prefix="agent-console-mo-"))
        for po_path in sorted(Path(self.root, "locales").glob("*/LC_MESSAGES/*.po")):
            relative = po_path.relative_to(self.root).with_suffix(".mo")
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with target.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            build_data["force_include"][str(target)] = str(Path("console") / relative)
