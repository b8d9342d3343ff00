"""Sending from the TUI: ctrl+t in the reply editor saves and sends (SMTP on a worker), m on the complaint
sends what is unsent, and the conversation says in words where each reply stands."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from console.app import ConsoleApp
from console.config import load_config
from console.playbooks import Playbooks
from console.screens.complaint import ComplaintScreen
from console.store import Store
from tests.conftest import make_complaint, notifications, screen_text, settle, wait_for
from tests.mail_server import Keeper, mail_config, smtp_server


@pytest.fixture
def store(tmp_path: Path) -> Store:
    desk = Store(tmp_path / "desk")
    desk.add_complaints(
        [make_complaint(1, language="hr", customer_name="Ana Horvat", customer_email="ana@kupac.example")]
    )
    return desk


@pytest.mark.parametrize("key", ["ctrl+t", "f6"])  # f6 for a terminal (or tmux) that takes ctrl+t itself
async def test_ctrl_t_in_the_editor_saves_and_sends_and_the_conversation_says_sent(
    store: Store, playbooks: Playbooks, tmp_path: Path, key: str
) -> None:
    keeper = Keeper()
    with smtp_server(keeper) as port:
        config = load_config(mail_config(tmp_path, port))
        app = ConsoleApp(store, playbooks, "ivana", "en", config=config)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("enter", "r")
            await settle(pilot)
            await pilot.press(*"Poštovana, šaljemo novi račun.", key)
            await wait_for(pilot, lambda: len(keeper.received) == 1)
            await settle(pilot)
            assert isinstance(app.screen, ComplaintScreen)
            await wait_for(pilot, lambda: "· sent " in screen_text(app))
            assert any("sent to ana@kupac.example" in said for said in notifications(app))
    (received,) = keeper.received
    assert received.mail.get_content().replace("\r\n", "\n") == "Poštovana, šaljemo novi račun.\n"  # CRLF on the wire
    assert [delivery.reply_id for delivery in store.deliveries("T-1")] == [r.id for r in store.replies("T-1")]


async def test_a_refusal_shows_as_failed_in_words_and_m_sends_it_once_fixed(
    store: Store, playbooks: Playbooks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # the state is read in words, not colours
    store.add_reply("T-1", "Poštovana, evo odgovora.", "hr", "ivana")
    keeper = Keeper(refused={"ana@kupac.example"})
    with smtp_server(keeper) as port:
        app = ConsoleApp(store, playbooks, "ivana", "en", config=load_config(mail_config(tmp_path, port)))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert "· not sent" in screen_text(app)
            await pilot.press("m")
            await wait_for(pilot, lambda: "· failed: " in screen_text(app))
            assert keeper.received == []
            keeper.refused.clear()
            await pilot.press("m")
            await wait_for(pilot, lambda: "· sent " in screen_text(app))
            await pilot.press("m")  # nothing left to send: nothing is sent twice
            await wait_for(pilot, lambda: any("Nothing to send" in said for said in notifications(app)))
    assert len(keeper.received) == 1


async def test_without_a_mail_table_sending_says_so_and_nothing_is_lost(store: Store, playbooks: Playbooks) -> None:
    app = ConsoleApp(store, playbooks, "ivana", "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "r")
        await settle(pilot)
        await pilot.press(*"Hvala.", "ctrl+t")
        await settle(pilot)
        assert any("No [mail] table in" in said for said in notifications(app))
        assert "Hvala." in screen_text(app)  # still in the editor, the text still there
    assert store.replies("T-1") == []


@pytest.mark.parametrize("configured", [True, False])
async def test_a_reply_saved_with_ctrl_s_says_that_m_sends_it_when_mail_is_set_up(
    store: Store, playbooks: Playbooks, tmp_path: Path, configured: bool
) -> None:
    """ctrl+s only stores the reply: where replies leave by mail, the agent is told the key that sends it."""
    config = load_config(mail_config(tmp_path, 25)) if configured else None
    app = ConsoleApp(store, playbooks, "ivana", "en", config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "r")
        await settle(pilot)
        await pilot.press(*"Hvala.", "ctrl+s")
        await wait_for(pilot, lambda: any("Reply saved." in said for said in notifications(app)))
        said = next(said for said in notifications(app) if "Reply saved." in said)
        assert said == ("Reply saved. m sends it by mail." if configured else "Reply saved.")
        assert said in screen_text(app)  # on the line above the keys, whole at 80 columns
    assert store.deliveries("T-1") == []  # saving sends nothing


async def test_keys_typed_just_before_ctrl_t_are_all_in_the_sent_reply(
    store: Store, playbooks: Playbooks, tmp_path: Path
) -> None:
    """Typed (or pasted) text and ctrl+t arrive in one burst: every character is in before the reply is sent."""
    keeper = Keeper()
    with smtp_server(keeper) as port:
        app = ConsoleApp(store, playbooks, "ivana", "en", config=load_config(mail_config(tmp_path, port)))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("enter", "r")
            await settle(pilot)
            text = "Poštovana gospođo Horvat, nova šalica stiže sutra ujutro."
            for character in text:  # queued at once, as a terminal delivers a burst
                app.post_message(events.Key("space" if character == " " else character, character))
            app.post_message(events.Key("f6", None))
            await wait_for(pilot, lambda: len(keeper.received) == 1)
            await settle(pilot)
    assert [reply.text for reply in store.replies("T-1")] == [text]
