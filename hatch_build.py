"""Compile for the wheel what is read at every start: the gettext catalogs (locales/*/LC_MESSAGES/*.po into
.mo files) and the playbooks (data/playbooks/*.toml into one JSON file, which Python's C parser reads in a
fraction of the time tomllib takes; the app checks it just as it checks the TOML)."""

from __future__ import annotations

import json
import tempfile
import tomllib
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

        playbooks = {}
        for path in sorted(Path(self.root, "data", "playbooks").glob("*.toml")):
            with path.open("rb") as file:
                playbooks[path.name] = tomllib.load(file)
        compiled = out / "playbooks.json"
        compiled.write_text(json.dumps(playbooks, ensure_ascii=False), encoding="utf-8")
        build_data["force_include"][str(compiled)] = "console/data/playbooks.json"
