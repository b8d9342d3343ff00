"""Handling playbooks: checklists of steps (and habits to avoid) in every language, loaded from data/."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from console.i18n import LANGUAGES
from console.resources import data_dir

MAX_STEPS = 9
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
COMPILED = "playbooks.json"
"""In a wheel: every playbook, compiled from the TOML files by the build (hatch_build.py)."""
_LIMITS = {"title": 40, "label": 40, "guidance": 200, "summary": 400}


class PlaybookError(ValueError):
    """A playbook file is malformed; the message names the file and what is wrong."""


class Localized(NamedTuple):
    """One text in every language."""

    texts: Mapping[str, str]

    def __call__(self, language: str) -> str:
        return self.texts.get(language) or self.texts["en"]


class Step(NamedTuple):
    id: str
    title: Localized
    guidance: Localized


class Level(NamedTuple):
    """A named quality level reached once `steps` steps are done (e.g. 4 = good, 8 = excellent)."""

    steps: int
    label: Localized


class Playbook(NamedTuple):
    id: str
    kinds: tuple[str, ...]
    order: int
    title: Localized
    summary: Localized
    steps: tuple[Step, ...]
    avoid: tuple[Step, ...] = ()
    levels: tuple[Level, ...] = ()

    def step_ids(self) -> tuple[str, ...]:
        return tuple(step.id for step in self.steps)

    def level_reached(self, done: int) -> Level | None:
        reached = [level for level in self.levels if done >= level.steps]
        return max(reached, key=lambda level: level.steps) if reached else None


class _Reader:
    """Validates one parsed TOML document, collecting the path of what is wrong."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> PlaybookError:
        return PlaybookError(f"{self.path.name}: {where}: {problem}")

    def localized(self, table: Mapping[str, Any], key: str, where: str, limit: int) -> Localized:
        value = table.get(key)
        if not isinstance(value, dict):
            raise self.fail(f"{where}.{key}", "missing table of languages")
        texts: dict[str, str] = {}
        for language in LANGUAGES:
            text = value.get(language)
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"{where}.{key}", f"missing text in language {language!r}")
            if len(text) > limit:
                raise self.fail(f"{where}.{key}.{language}", f"longer than {limit} characters")
            texts[language] = text.strip()
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise self.fail(f"{where}.{key}", f"unknown language {unknown[0]!r}")
        return Localized(texts)

    def steps(self, document: Mapping[str, Any], key: str) -> tuple[Step, ...]:
        raw = document.get(key, [])
        if not isinstance(raw, list):
            raise self.fail(key, "must be a list of tables")
        seen: set[str] = set()
        steps = []
        for number, item in enumerate(raw, start=1):
            where = f"{key}[{number}]"
            if not isinstance(item, dict):
                raise self.fail(where, "must be a table")
            step_id = item.get("id")
            if not isinstance(step_id, str) or not _ID.match(step_id):
                raise self.fail(where, "needs an id of lower-case letters, digits and dashes")
            if step_id in seen:
                raise self.fail(where, f"duplicate id {step_id!r}")
            seen.add(step_id)
            steps.append(
                Step(
                    step_id,
                    self.localized(item, "title", where, _LIMITS["title"]),
                    self.localized(item, "guidance", where, _LIMITS["guidance"]),
                )
            )
        return tuple(steps)

    def playbook(self, document: Mapping[str, Any]) -> Playbook:
        playbook_id = document.get("id")
        if playbook_id != self.path.stem:
            raise self.fail("id", f"must be {self.path.stem!r}, the file's name")
        kinds = document.get("kinds", [])
        if not isinstance(kinds, list) or not all(isinstance(kind, str) for kind in kinds):
            raise self.fail("kinds", "must be a list of strings")
        order = document.get("order", 99)
        if not isinstance(order, int):
            raise self.fail("order", "must be a whole number")
        steps = self.steps(document, "steps")
        if not 1 <= len(steps) <= MAX_STEPS:
            raise self.fail("steps", f"needs 1 to {MAX_STEPS} steps, has {len(steps)}")
        levels = []
        for number, item in enumerate(document.get("levels", []), start=1):
            where = f"levels[{number}]"
            count = item.get("steps") if isinstance(item, dict) else None
            if not isinstance(count, int) or not 1 <= count <= len(steps):
                raise self.fail(where, f"steps must be between 1 and {len(steps)}")
            levels.append(Level(count, self.localized(item, "label", where, _LIMITS["label"])))
        return Playbook(
            id=playbook_id,
            kinds=tuple(kinds),
            order=order,
            title=self.localized(document, "title", "title", _LIMITS["title"]),
            summary=self.localized(document, "summary", "summary", _LIMITS["summary"]),
            steps=steps,
            avoid=self.steps(document, "avoid"),
            levels=tuple(levels),
        )


def load_playbook(path: Path) -> Playbook:
    import tomllib  # a source tree only: the wheel's playbooks are compiled to JSON

    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise PlaybookError(f"{path.name}: not valid TOML: {error}") from None
    except OSError as error:
        raise PlaybookError(f"{path.name}: cannot be read: {error.strerror}") from None
    return _Reader(path).playbook(document)


class Playbooks:
    """Every playbook by id, in chooser order, and the default for each kind of complaint."""

    def __init__(self, playbooks: list[Playbook]) -> None:
        if not playbooks:
            raise PlaybookError("no playbooks found")
        self.all: tuple[Playbook, ...] = tuple(sorted(playbooks, key=lambda p: (p.order, p.id)))
        self._by_id = {playbook.id: playbook for playbook in self.all}
        self._by_kind: dict[str, Playbook] = {}
        for playbook in self.all:
            for kind in playbook.kinds:
                self._by_kind.setdefault(kind, playbook)

    def __getitem__(self, playbook_id: str) -> Playbook:
        return self._by_id[playbook_id]

    def __contains__(self, playbook_id: object) -> bool:
        return playbook_id in self._by_id

    def kinds(self) -> tuple[str, ...]:
        return tuple(self._by_kind)

    def for_kind(self, kind: str | None) -> Playbook:
        """The kind's playbook; a complaint of an unknown kind gets the general complaint playbook."""
        if kind and kind in self._by_kind:
            return self._by_kind[kind]
        return self._by_kind.get("complaint", self.all[0])

    def get(self, playbook_id: str | None, kind: str | None) -> Playbook:
        """The playbook chosen for a complaint, else its kind's default."""
        if playbook_id and playbook_id in self._by_id:
            return self._by_id[playbook_id]
        return self.for_kind(kind)


def load_playbooks(folder: Path | None = None) -> Playbooks:
    """The playbooks of `folder`, else the bundled ones: from the JSON the wheel's build compiled them into
    when there is one (it starts faster), else from the TOML files (a source tree)."""
    if folder is None:
        compiled = data_dir() / COMPILED
        if compiled.is_file():
            return load_compiled(compiled)
        folder = data_dir() / "playbooks"
    return Playbooks([load_playbook(path) for path in sorted(folder.glob("*.toml"))])


def load_compiled(path: Path) -> Playbooks:
    """Playbooks compiled into one JSON object (file name: TOML document), checked as the TOML files are."""
    try:
        documents = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise PlaybookError(f"{path.name}: cannot be read: {error}") from None
    if not isinstance(documents, dict):
        raise PlaybookError(f"{path.name}: not an object of playbooks")
    return Playbooks([_Reader(Path(name)).playbook(document) for name, document in sorted(documents.items())])
