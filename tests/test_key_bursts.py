"""Keys that arrive in one burst (a fast typist, a paste, a slow SSH link delivering them at once) are posted
to the app together, as the terminal's input thread does, not pressed one by one as Pilot does (each press
waits for its answer). Those after `f` or `/` belong to the query field."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, TextArea

from console.playbooks import Playbooks
from console.screens.complaint import ComplaintScreen
from console.screens.compose import ComposeScreen
from console.store import Store
from tests.conftest import make_app, make_complaint, settle, wait_for


@pytest.mark.parametrize(("keys", "mode"), [("fHorvat", "filter"), ("/Horvat", "search")])
async def test_a_query_typed_in_one_burst_after_its_key_is_the_query(
    demo_store: Store, playbooks: Playbooks, keys: str, mode: str
) -> None:
    app = make_app(demo_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sort = app.screen.sort  # type: ignore[attr-defined]
        for key in keys:
            app.post_message(events.Key("slash" if key == "/" else key, key))
        field = app.screen.query_one("#query", Input)
        await wait_for(pilot, lambda: field.value == "Horvat")
        await settle(pilot)
        assert app.screen.sort == sort  # type: ignore[attr-defined]  # its `o` sorted nothing
        assert field.has_focus and app.screen.query_bar.mode == mode  # type: ignore[attr-defined]


async def test_in_the_query_field_f_and_slash_are_letters(demo_store: Store, playbooks: Playbooks) -> None:
    app = make_app(demo_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f", *"fix/", "backslash")
        assert app.screen.query_one("#query", Input).value == "fix/\\"


async def test_a_reply_typed_in_one_burst_after_r_is_the_reply_and_changes_nothing(
    tmp_path: Path, playbooks: Playbooks
) -> None:
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(1)])
    app = make_app(store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ComplaintScreen))
        await settle(pilot)
        for key in "rsorry 123":  # on the complaint `s` cycles the status and digits tick steps
            app.post_message(events.Key("space" if key == " " else key, key))
        await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
        await wait_for(pilot, lambda: app.screen.query_one(TextArea).text == "sorry 123")
        await settle(pilot)
        complaint = store.complaint("T-1")
        assert complaint.status == "open" and not complaint.ticks
