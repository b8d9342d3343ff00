"""Without colour (NO_COLOR) the highlighted choice is told by its mark and reverse video, as the inbox's cursor."""

from __future__ import annotations

import pytest

from console.playbooks import Playbooks
from console.screens.dialogs import ChoiceList
from console.store import Store
from tests.conftest import make_app


def reversed_text(app, y: int) -> str:  # type: ignore[no-untyped-def]
    """The text of line `y` drawn in reverse video."""
    strip = list(app.screen._compositor.render_strips())[y]
    return "".join(segment.text for segment in strip if segment.style is not None and segment.style.reverse)


def line_with(app, text: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        if text in strip.text:
            return y, strip.text
    raise AssertionError(text)


@pytest.mark.parametrize("key", ["b", "t s"])  # the playbook dialog; the status of the tagged complaints
async def test_without_colour_the_highlighted_choice_of_a_dialog_is_marked_and_reversed(
    small_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*key.split())
        await pilot.pause()
        choices = app.screen.query_one(ChoiceList)
        await pilot.press("j")
        await pilot.pause()
        label = str(choices.get_option_at_index(choices.highlighted or 0).prompt).strip("› ")
        y, text = line_with(app, label)
        assert f"› {label}" in text and label in reversed_text(app, y)
        others = [str(option.prompt).strip() for option in choices.options if option.prompt is not None]
        assert sum(prompt.startswith("›") for prompt in others) == 1


async def test_without_colour_the_highlighted_step_is_reversed_too(
    small_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "j")
        await pilot.pause()
        y, text = line_with(app, "2. Ask why")
        assert "›[ ] 2. Ask why" in text and "2. Ask why" in reversed_text(app, y)
        y, text = line_with(app, "1. Apologise")
        assert "Apologise" not in reversed_text(app, y)
