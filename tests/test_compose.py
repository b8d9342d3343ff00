"""The reply and note editor: multi-line text, ctrl+s saves through the desk, Esc keeps a draft that
survives a restart, the reply's language is the customer's and can be changed there."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from console import phrases
from console.app import ConsoleApp
from console.config import AgentConfig, Config
from console.i18n import _
from console.playbooks import Playbooks
from console.screens.complaint import ComplaintScreen
from console.screens.compose import ComposeScreen
from console.screens.dialogs import ConfirmDialog
from console.screens.inbox import InboxScreen
from console.screens.phrase_picker import PhrasePicker
from console.snippets import Placeholders, fill, snippets
from console.store import Store
from console.widgets.reply_area import ReplyArea
from console.widgets.warnings import WarningsPanel
from tests.conftest import make_app, make_complaint, notifications, screen_text, settle, wait_for


@pytest.fixture
def croatian_store(tmp_path: Path) -> Store:
    """T-1 in Croatian from Ana Horvat (newest, so the inbox's cursor is on it), T-0 in English."""
    store = Store(tmp_path / "desk")
    store.add_complaints(
        [
            make_complaint(0),
            make_complaint(1, language="hr", customer_name="Ana Horvat", subject="Račun je pogrešan"),
        ]
    )
    return store


async def open_editor(pilot, keys: tuple[str, ...] = ("r",)) -> ComposeScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press(*keys)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ComposeScreen)
    return screen


def editor_text(app: ConsoleApp) -> str:
    return app.screen.query_one(ReplyArea).text


async def test_enter_is_a_new_line_and_ctrl_s_saves_the_reply_in_the_customers_language(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks, agent="maija")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot, ("enter", "r"))  # r on the complaint
        assert "Reply in Croatian · T-1 · Ana Horvat" in screen_text(app)
        await pilot.press(*"Poštovana,", "enter", *"hvala na poruci.")
        assert editor_text(app) == "Poštovana,\nhvala na poruci."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)  # back on the complaint, the reply in its conversation
        assert "Reply saved." in notifications(app)
        text = screen_text(app)
        assert "Reply (Croatian) · maija" in text and "hvala na poruci." in text
    [reply] = Store(croatian_store.directory).replies("T-1")
    assert (reply.text, reply.language, reply.author) == ("Poštovana,\nhvala na poruci.", "hr", "maija")


async def test_r_in_the_inbox_opens_the_reply_editor_of_the_highlighted_row(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks, language="fi")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot, ("j", "r"))  # T-0, in English
        assert "T-0" in screen_text(app) and "Vastauksen kieli: englanti" in screen_text(app)
        await pilot.press(*"Thank you.", "ctrl+s")
        await settle(pilot)
        await pilot.press("escape")  # from the complaint back to the inbox, where the row is read again
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
    assert [reply.text for reply in croatian_store.replies("T-0")] == ["Thank you."]


async def test_esc_keeps_a_draft_that_comes_back_after_a_restart(croatian_store: Store, playbooks: Playbooks) -> None:
    app = make_app(croatian_store, playbooks, agent="maija")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await pilot.press("ctrl+l")  # hr → en
        await pilot.press(*"Hei Ana,", "enter", *"palaan asiaan")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)  # r in the inbox opened the complaint under the editor
        assert "Draft kept for T-1." in notifications(app)
    app.service.flush()

    again = make_app(Store(croatian_store.directory), playbooks, agent="maija")
    async with again.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot)
        await wait_for(pilot, lambda: editor_text(again) == "Hei Ana,\npalaan asiaan")
        assert screen.language == "en"  # hr → en: the draft keeps the language it was written in
        assert "Your draft is back." in notifications(again)
        await pilot.press(*" pian.", "ctrl+s")
        await settle(pilot)
    again.service.flush()
    store = Store(croatian_store.directory)
    assert [(reply.text, reply.language) for reply in store.replies("T-1")] == [("Hei Ana,\npalaan asiaan pian.", "en")]
    assert store.drafts("maija") == {}  # the draft became the reply


async def test_a_pause_in_typing_keeps_the_draft_without_leaving(croatian_store: Store, playbooks: Playbooks) -> None:
    app = make_app(croatian_store, playbooks, agent="maija")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await pilot.press(*"killed mid-sentence")
        await wait_for(pilot, lambda: ("T-1", "reply") in Store(croatian_store.directory).drafts("maija"))
        await wait_for(pilot, lambda: "Draft kept." in screen_text(app))  # the line under the text says so
        draft = Store(croatian_store.directory).drafts("maija")[("T-1", "reply")]
        assert (draft.text, draft.language) == ("killed mid-sentence", "hr")


async def test_quitting_from_the_editor_keeps_the_draft(croatian_store: Store, playbooks: Playbooks) -> None:
    app = make_app(croatian_store, playbooks, agent="maija")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await pilot.press(*"do not lose me", "ctrl+q")
        await wait_for(pilot, lambda: not app.is_running)
    app.service.flush()
    assert Store(croatian_store.directory).drafts("maija")[("T-1", "reply")].text == "do not lose me"


async def test_the_reply_language_cycles_and_the_interface_stays(croatian_store: Store, playbooks: Playbooks) -> None:
    app = make_app(croatian_store, playbooks, language="fi")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot)
        assert screen.language == "hr" and "Vastauksen kieli" in screen_text(app)
        shown = []
        for _ in range(4):
            await pilot.press("ctrl+l")
            await pilot.pause()
            shown.append(screen.language)
        assert shown == ["en", "fi", "et", "hr"]
        assert app.language == "fi" and "Vastauksen kieli" in screen_text(app)


async def test_an_empty_reply_is_not_saved(croatian_store: Store, playbooks: Playbooks) -> None:
    app = make_app(croatian_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)
        assert "An empty reply is not saved." in notifications(app)
        assert isinstance(app.screen, ComposeScreen)
    assert croatian_store.replies("T-1") == []


async def test_a_note_gets_the_same_editor_multi_line_and_ctrl_s_saves(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks, agent="juha")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot, ("enter", "n"))
        assert "Internal note · T-1" in screen_text(app)
        await pilot.press(*"Soitin [b]takaisin[/b]", "enter", *"ei vastannut")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
        assert "Note (internal) · juha" in screen_text(app) and "Soitin [b]takaisin[/b]" in screen_text(app)
    [note] = Store(croatian_store.directory).notes("T-1")
    assert (note.author, note.text) == ("juha", "Soitin [b]takaisin[/b]\nei vastannut")


async def test_a_refused_save_keeps_the_text_and_says_failed(
    croatian_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(croatian_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)

        def disk_full(*args: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("os.fsync", disk_full)
        await pilot.press(*"keep me", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen) and editor_text(app) == "keep me"
        assert "failed" in screen_text(app)
        assert any("No space left on device" in message for message in notifications(app))
        monkeypatch.undo()
        await pilot.press("ctrl+s")  # tried again: stored once
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
    assert [reply.text for reply in Store(croatian_store.directory).replies("T-1")] == ["keep me"]


async def test_the_conversation_shows_message_replies_and_notes_in_time_order(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    croatian_store.add_note("T-1", "juha", "first a note")
    croatian_store.add_reply("T-1", "then the reply", "hr", "maija")
    croatian_store.add_note("T-1", "juha", "then another note")
    app = make_app(croatian_store, playbooks)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        order = [
            text.index(part)
            for part in (
                "Message from Ana Horvat",
                "Body of complaint 1.",
                "first a note",
                "then the reply",
                "then another",
            )
        ]
        assert order == sorted(order)
        assert "Reply (Croatian) · maija" in text and text.count("Note (internal) · juha") == 2


def with_agent(app: ConsoleApp, name: str | None = "Maija Virtanen", contact: str | None = "maija@example.fi") -> None:
    app.config = Config(agent=AgentConfig(name, contact))


async def test_the_picker_offers_the_steps_phrases_first_and_fills_the_placeholders(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks, language="fi")
    with_agent(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        picker = await open_picker(pilot)
        step = playbooks["cancellation"].steps[0]
        first = picker.choices[0][1]
        assert first.startswith("1. ")  # the open step's phrase first, marked with its number
        assert step.title("fi") in screen_text(app)  # the step is named in the agent's language
        served = snippets("hr", step.id, "cancellation")
        assert [key for key, _label in picker.choices] == [snippet.key for snippet in served]
        await pilot.press("enter")  # the first: the phrase that serves step 1
        await pilot.pause()
        assert f"1, {step.title('fi')}?" in screen_text(app)
        await pilot.press("y")  # "Tick step 1?" — yes
        await settle(pilot)
        inserted = editor_text(app)
        assert inserted == fill(served[0].text, values(), "hr")
        assert Store(croatian_store.directory).complaint("T-1").tick("cancellation", step.id) is not None


async def open_picker(pilot, key: str = "ctrl+o") -> PhrasePicker:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await pilot.pause()
    picker = pilot.app.screen
    assert isinstance(picker, PhrasePicker)
    return picker


def choice_with(picker: PhrasePicker, *placeholders: str) -> int:
    """The number of the first snippet in the picker whose text has all these placeholders."""
    return next(
        number
        for number, (key, _label) in enumerate(picker.choices)
        if all(placeholder in picker.texts[key] for placeholder in placeholders)
    )


async def not_ticked(pilot) -> None:  # type: ignore[no-untyped-def]
    """After a phrase is inserted: if it serves the step at hand, the offer to tick it is declined."""
    await settle(pilot)
    if isinstance(pilot.app.screen, ConfirmDialog):
        await pilot.press("n")
        await settle(pilot)


def values() -> Placeholders:
    return Placeholders("Ana Horvat", "Maija Virtanen", "maija@example.fi", "T-1", None)


async def test_a_phrase_with_a_date_asks_for_one_and_writes_it_in_the_replys_language(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks)
    with_agent(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        picker = await open_picker(pilot, "f2")  # the other key of the picker
        dated = choice_with(picker, "{date}", "{agent}")
        await pilot.press(*["j"] * dated, "enter")
        await pilot.pause()
        await pilot.press("ctrl+u", *"2026-12-08")
        await pilot.pause()
        assert "8. prosinca 2026." in screen_text(app)  # as Croatian writes it
        await pilot.press("enter")
        await not_ticked(pilot)
        text = editor_text(app)
        assert "8. prosinca 2026." in text and "Maija Virtanen" in text and "maija@example.fi" in text
        assert "{" not in text


async def test_missing_agent_details_are_said_once_and_the_markers_stay(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks)
    with_agent(app, None, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        for _ in range(2):
            picker = await open_picker(pilot)
            agent = choice_with(picker, "{agent}")
            await pilot.press(*["j"] * agent, "enter")
            await pilot.pause()
            if "{date}" in picker.texts[picker.choices[agent][0]]:
                await pilot.press("enter")  # +3 days
            await not_ticked(pilot)
        assert editor_text(app).count("{agent}") == 2
        said = [message for message in notifications(app) if "[agent]" in message]
        assert len(said) == 1 and "agent" in said[0]


async def test_copy_sends_the_text_to_the_clipboard(
    croatian_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []
    app = make_app(croatian_store, playbooks)
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await pilot.press(*"Poštovana,", "enter", *"hvala.", "ctrl+g")
        await pilot.pause()
        assert copied == ["Poštovana,\nhvala."]
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("c")  # on the complaint: its one reply
        await pilot.pause()
        assert copied == ["Poštovana,\nhvala."] * 2
        assert any("clipboard" in message for message in notifications(app))


async def test_saving_to_a_file_writes_it_whole_and_refuses_a_symlink(
    croatian_store: Store, playbooks: Playbooks, tmp_path: Path
) -> None:
    target = tmp_path / "out.txt"
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n")
    link = tmp_path / "link.txt"
    link.symlink_to(victim)
    app = make_app(croatian_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await pilot.press(*"Poštovana,", "enter", *"hvala.", "ctrl+f")
        await pilot.pause()
        assert "reply-T-1.txt" in screen_text(app)
        await pilot.press("ctrl+u", *str(target), "enter")
        await wait_for(pilot, lambda: target.exists())
        await settle(pilot)
        assert target.read_text(encoding="utf-8") == "Poštovana,\nhvala.\n"
        assert f"Saved to {target}." in notifications(app)
        await pilot.press("f9")
        await pilot.pause()
        await pilot.press("ctrl+u", *str(link), "enter")
        await wait_for(pilot, lambda: any("symbolic link" in message for message in notifications(app)))
    assert victim.read_text() == "mine\n" and link.is_symlink()


def styled_cells(app: ConsoleApp, words: str) -> list[tuple[int, str]]:
    """(line, text) of the screen's runs drawn reversed and underlined that are part of `words`."""
    found = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        marked = "".join(
            segment.text
            for segment in strip
            if segment.style is not None and segment.style.reverse and segment.style.underline
        )
        if marked.strip() and marked.strip() in words:
            found.append((y, marked.strip()))
    return found


async def test_a_harmful_phrase_is_marked_in_the_text_and_explained_under_it_without_colour_too(
    croatian_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(croatian_store, playbooks, language="fi")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot)
        await pilot.press(*"Postovana, prema uvjetima ugovora ne mozemo.")  # typed without č, ć, š, ž, đ
        await pilot.pause()
        [finding] = screen.findings
        assert finding.text == "prema uvjetima ugovora" and finding.kind == "contract"
        panel = screen.query_one(WarningsPanel)
        marked = styled_cells(app, finding.text)
        editor_line = screen.query_one(ReplyArea).region.y
        assert (editor_line, finding.text) in marked  # in the text itself
        assert any(y >= panel.region.y for y, _text in marked)  # and in the panel, with where, why and better
        text = screen_text(app)
        assert "1:12" in text and phrases.kind_name("contract") in text and finding.suggestion[:20] in text


async def test_saving_lists_the_warnings_once_more_and_no_goes_back_to_the_text(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot)
        await pilot.press(*"Prema uvjetima ugovora ne možemo.", "ctrl+s")
        await pilot.pause()
        assert "1 warning: «Prema uvjetima ugovora»" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and app.focused is screen.query_one(ReplyArea)
        assert croatian_store.replies("T-1") == []
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert "Reply saved with 1 warning." in notifications(app)
    assert [reply.text for reply in Store(croatian_store.directory).replies("T-1")] == [
        "Prema uvjetima ugovora ne možemo."
    ]


async def test_the_next_warning_key_moves_the_cursor_to_each_flagged_phrase_in_turn(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot)
        await pilot.press(*"Smirite se.", "enter", *"Prema uvjetima ugovora ne.", "up", "home")
        await pilot.pause()
        area = screen.query_one(ReplyArea)
        starts = []
        for _ in range(3):
            await pilot.press("ctrl+n")
            await pilot.pause()
            starts.append(area.cursor_location)
        assert starts == [(1, 0), (0, 0), (1, 0)]  # after the cursor first, then round again
        assert screen.current_warning == 1


async def test_a_kept_draft_shows_at_the_end_of_the_conversation(croatian_store: Store, playbooks: Playbooks) -> None:
    croatian_store.save_draft("T-1", "reply", "maija", "Poštovana, još radimo na", "hr")
    app = make_app(croatian_store, playbooks, agent="maija")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "Your draft reply (Croatian), not saved · r goes on" in text and "još radimo na" in text
        assert text.index("Body of complaint 1.") < text.index("Your draft reply")


# Per reply language: an inflected or unaccented harmful phrase, the words flagged, and an everyday sentence
# about the same things that must stay unflagged.
WARNED = {
    "fi": ("Sopimuksen ehdoissa lukee, ettei rahoja palauteta.", "Sopimuksen ehdoissa lukee", "contract",
           "Sopimuksesi päättyy 31.5., kuten pyysit."),
    "et": ("Lepingutingimuste jargi ei ole see voimalik.", "Lepingutingimuste jargi", "contract",
           "Teie leping lõpeb 31. mail, nagu soovisite."),
    "hr": ("Ugovorom nije predvideno vracanje novca.", "Ugovorom nije predvideno", "contract",
           "Vaš ugovor prestaje 31. svibnja, kako ste tražili."),
    "en": ("Management has decided not to make exceptions.", "Management has decided", "management",
           "I have contacted our supplier and the new part ships tomorrow."),
}  # fmt: skip


@pytest.mark.parametrize("language", ["fi", "et", "hr", "en"])
async def test_warnings_in_each_reply_language_with_the_advice_in_the_agents(
    croatian_store: Store, playbooks: Playbooks, language: str
) -> None:
    harmful, flagged, kind, everyday = WARNED[language]
    app = make_app(croatian_store, playbooks, language="et" if language != "et" else "fi")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot)
        while screen.language != language:
            await pilot.press("ctrl+l")
        await pilot.press(*everyday)
        await pilot.pause()
        assert screen.findings == []
        assert _("No harmful phrases found.") in screen_text(app)
        await pilot.press("enter", *harmful)
        await pilot.pause()
        assert [(finding.kind, finding.text.casefold()) for finding in screen.findings] == [(kind, flagged.casefold())]
        text = screen_text(app)
        assert "2:1" in text and phrases.kind_name(kind) in text  # the kind in the agent's language
        assert screen.findings[0].suggestion.split()[0] in text  # the better phrasing, in the reply's


async def test_after_a_reply_from_the_inbox_its_row_stops_the_first_response_clock(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    def row() -> str:
        return next(line for line in screen_text(app).splitlines() if "Ana Horvat" in line)

    app = make_app(croatian_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "!" in row()  # three days old, normal priority (24 h): overdue, marked without colour too
        await open_editor(pilot)
        await pilot.press(*"Poštovana, rješavamo.", "ctrl+s")
        await settle(pilot)
        await pilot.press("escape")  # from the complaint to the inbox
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        await wait_for(pilot, lambda: "!" not in row())


async def test_a_damaged_drafts_file_is_said_once_and_writing_goes_on(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    from console.store.drafts import drafts_file

    damaged = drafts_file(croatian_store.directory, "maija")
    damaged.parent.mkdir(exist_ok=True)
    damaged.write_text("{not json", encoding="utf-8")
    app = make_app(croatian_store, playbooks, agent="maija")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        said = [message for message in notifications(app) if "could not be read" in message]
        assert len(said) == 1 and str(damaged) in said[0]
        await open_editor(pilot, ("r",))
        await pilot.press(*"still works", "ctrl+s")
        await settle(pilot)
    assert [reply.text for reply in Store(croatian_store.directory).replies("T-1")] == ["still works"]


async def test_leaving_while_the_reply_is_saved_stores_it_once_and_leaves_no_draft(
    croatian_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    gate = threading.Event()  # the desk's writer waits here, as behind another agent's lock
    add_reply = Store.add_reply

    def held(self: Store, *args: object, **kwargs: object) -> object:
        gate.wait(10)
        return add_reply(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "add_reply", held)
    app = make_app(croatian_store, playbooks, agent="maija")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await pilot.press(*"kept first")
        await wait_for(pilot, lambda: ("T-1", "reply") in Store(croatian_store.directory).drafts("maija"))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "saving…" in screen_text(app))
        await pilot.press("escape")  # left while it waits
        await wait_for(pilot, lambda: isinstance(app.screen, ComplaintScreen))
        gate.set()
        await settle(pilot)
        assert "Reply saved." in notifications(app)
    app.service.flush()
    store = Store(croatian_store.directory)
    assert [reply.text for reply in store.replies("T-1")] == ["kept first"]
    assert store.drafts("maija") == {}  # the draft became the reply


async def test_days_from_today_count_from_the_desks_clock(croatian_store: Store, playbooks: Playbooks) -> None:
    from datetime import UTC, datetime

    app = ConsoleApp(croatian_store, playbooks, "maija", "en", now=lambda: datetime(2026, 2, 26, 12, tzinfo=UTC))
    with_agent(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        dated = choice_with(await open_picker(pilot), "{date}")
        await pilot.press(*["j"] * dated, "enter")
        await pilot.pause()
        await pilot.press("ctrl+u", *"+3")
        await pilot.pause()
        assert "1. ožujka 2026." in screen_text(app)  # 26 February + 3 days, as Croatian writes it
        await pilot.press("ctrl+u", *"soon")
        await pilot.pause()
        assert "Not a date: soon" in screen_text(app)
        await pilot.press("enter")  # refused: the prompt stays
        await pilot.pause()
        assert "Not a date: soon" in screen_text(app)


async def test_with_several_replies_c_asks_which_one_to_copy(
    croatian_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    croatian_store.add_reply("T-1", "the first answer", "hr", "maija")
    croatian_store.add_reply("T-1", "the second answer", "hr", "maija")
    copied: list[str] = []
    app = make_app(croatian_store, playbooks)
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert "Which reply?" in screen_text(app) and copied == []
        await pilot.press("j", "enter")  # the newest comes first; the one below it is the first answer
        await pilot.pause()
        assert copied == ["the first answer"]


async def test_in_the_editor_letters_are_text_so_the_keys_line_offers_f1_not_question_mark(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        keys = screen_text(app).splitlines()[-1]
        assert "f1 Help" in keys and "^s Save" in keys and "^o Phrases" in keys
        assert "? Help" not in keys and "L Language" not in keys
        await pilot.press("q", "question_mark", "L")  # typed, not run
        await pilot.pause()
        assert editor_text(app) == "q?L" and app.is_running and isinstance(app.screen, ComposeScreen)


@pytest.mark.parametrize(
    ("language", "title", "saved"),
    [
        ("fi", "Vastauksen kieli: kroatia · T-1 · Ana Horvat", "Vastaus (kroatia)"),
        ("et", "Vastuse keel: horvaadi · T-1 · Ana Horvat", "Vastus (horvaadi)"),
        ("hr", "Jezik odgovora: hrvatski · T-1 · Ana Horvat", "Odgovor (hrvatski)"),
        ("en", "Reply in Croatian · T-1 · Ana Horvat", "Reply (Croatian)"),
    ],
)
async def test_the_customers_language_is_named_in_the_agents_language_in_the_title_and_conversation(
    croatian_store: Store, playbooks: Playbooks, language: str, title: str, saved: str
) -> None:
    app = make_app(croatian_store, playbooks, language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot, ("enter", "r"))
        assert title in screen_text(app)
        await pilot.press(*"Hvala.", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ComplaintScreen) and saved in screen_text(app))


async def test_a_customer_named_like_a_placeholder_is_not_taken_for_a_missing_agent_name(
    tmp_path: Path, playbooks: Playbooks
) -> None:
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(1, customer_name="{agent} {contact}")])
    app = make_app(store, playbooks)
    with_agent(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        picker = await open_picker(pilot)
        await pilot.press(*["j"] * choice_with(picker, "{customer}"), "enter")
        await wait_for(pilot, lambda: "{agent} {contact}" in editor_text(app))
        await settle(pilot)
        assert not [message for message in notifications(app) if "[agent]" in message]


async def test_once_the_draft_is_saved_as_the_reply_the_conversation_no_longer_shows_it(
    croatian_store: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The draft is forgotten on the desk's writer after the reply is stored, while the complaint screen
    reads the conversation again: the forgetting is held until a reader either waits for the writes asked
    for (flush) or has read the drafts, so that the order that once showed a stale draft is the one tested."""
    app = make_app(croatian_store, playbooks, agent="maija")
    service = app.service
    reader_came = threading.Event()
    save_draft, flush, load_drafts = service.store.save_draft, service.flush, service.load_drafts

    def held_save_draft(complaint_id: str, kind: str, agent: str, text: str, *rest: object, **named: object) -> None:
        if not text:
            reader_came.wait(timeout=30)
        save_draft(complaint_id, kind, agent, text, *rest, **named)  # type: ignore[arg-type]

    def flushing() -> None:
        reader_came.set()
        flush()

    def reading() -> object:
        drafts = load_drafts()
        reader_came.set()
        return drafts

    monkeypatch.setattr(service.store, "save_draft", held_save_draft)
    monkeypatch.setattr(service, "flush", flushing)
    monkeypatch.setattr(service, "load_drafts", reading)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_editor(pilot, ("enter", "r"))
        await pilot.press(*"Poštovana, javit ću Vam se sutra.")
        await wait_for(pilot, lambda: "Draft kept." in screen_text(app))
        reader_came.clear()
        await pilot.press("ctrl+s")
        back = lambda: isinstance(app.screen, ComplaintScreen) and "Reply (Croatian)" in screen_text(app)  # noqa: E731
        await wait_for(pilot, back)
        await settle(pilot)
        assert "Your draft reply" not in screen_text(app)
    assert Store(croatian_store.directory).drafts("maija") == {}


async def test_a_phrase_inserted_next_to_words_is_set_apart_by_a_space(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks)
    with_agent(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await pilot.press(*"Hvala.Lp", "left", "left")  # the cursor between two sentences
        picker = await open_picker(pilot)
        number = next(n for n, (key, _label) in enumerate(picker.choices) if "{date}" not in picker.texts[key])
        phrase = picker.previews[picker.choices[number][0]]
        await pilot.press(*["j"] * number, "enter")
        await not_ticked(pilot)
        assert editor_text(app) == f"Hvala. {phrase} Lp"


async def test_the_editor_names_the_customer_and_the_subject_while_writing(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks, language="hr")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await wait_for(pilot, lambda: "Ana Horvat · Račun je pogrešan" in screen_text(app).splitlines()[0])


async def test_the_panel_follows_each_key_at_once_and_takes_the_lines_it_needs(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(croatian_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_editor(pilot)
        panel = screen.query_one(WarningsPanel)
        assert panel.region.height == 2  # a border and "No harmful phrases found."
        await pilot.press(*"Hvala. Prema uvjetima ugovora ne.")
        await pilot.pause()
        assert [finding.kind for finding in screen.findings] == ["contract"]
        one = panel.region.height
        assert 3 <= one < 9 and len(panel.lines) == one - 1  # as tall as its lines, not the cap
        assert "1:8" in screen_text(app)
        await pilot.press("home", "a")  # moves the warning one column: the panel says so at once
        await pilot.pause()
        assert "1:9" in screen_text(app) and "1:8" not in screen_text(app)
        assert panel.region.height == one  # a moved warning does not move the editor
        await pilot.press("end", *" Smirite se. Nije naš problem. Dostavljač je kriv.")
        await pilot.pause()
        assert len(screen.findings) >= 3
        assert panel.region.height == 9  # capped: the editor keeps its room
        assert {strip.cell_length for strip in panel.lines} == {panel.scrollable_content_region.width}  # none cut
        assert panel.scrollable_content_region.width == 80 - 2 - 2  # padding, and the scroll bar's room
        assert screen.query_one(ReplyArea).region.height >= 10
        await pilot.press(*["backspace"] * 60)
        await pilot.pause()
        assert screen.findings and panel.region.height == 9  # fewer warnings: it does not shrink back
        screen.query_one(ReplyArea).clear()
        await pilot.pause()
        assert not screen.findings and panel.region.height == 2  # clean: the editor has its room back


async def test_a_shops_suggestion_with_markup_and_escapes_is_shown_as_plain_text(
    croatian_store: Store, playbooks: Playbooks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = tmp_path / "shop-phrases"
    shop.mkdir()
    (shop / "hr.toml").write_text(
        '[[rule]]\nid = "nasa-pravila"\nkind = "contract"\npatterns = ["naša pravila"]\n'
        'suggestion = "[bold red]Rado[/] \\u001b]0;pwned\\u0007pomažem \\u001b[2J[link=x]odmah[/link]"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("AGENT_CONSOLE_PHRASES", str(shop))
    phrases.clear_cache()
    app = make_app(croatian_store, playbooks)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_editor(pilot)
            await pilot.press(*"To su naša pravila.")
            await pilot.pause()
            [finding] = screen.findings
            assert "\x1b" not in finding.suggestion  # cleaned when the shop's rule file is read
            panel_lines = [strip.text for strip in screen.query_one(WarningsPanel).lines]
            shown = " ".join(panel_lines)
            assert "[bold red]Rado[/] pomažem [link=x]odmah[/link]" in shown, panel_lines
            assert "\x1b" not in shown and "\x07" not in shown and "pwned" not in shown
            assert "[bold red]Rado[/]" in screen_text(app)
    finally:
        phrases.clear_cache()


async def test_a_kept_draft_is_dropped_when_saved_right_after_changing_the_language(
    croatian_store: Store, playbooks: Playbooks
) -> None:
    """ctrl+l forgets that the draft is kept (to keep it again in the new language); saving before the next
    pause left the old draft on disk, shown under the reply it had become."""
    app = make_app(croatian_store, playbooks, agent="maija")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await pilot.press(*"Poštovana, šaljemo novi račun.")
        await wait_for(pilot, lambda: ("T-1", "reply") in Store(croatian_store.directory).drafts("maija"))
        await pilot.press("ctrl+l", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
    app.service.flush()
    store = Store(croatian_store.directory)
    assert [reply.text for reply in store.replies("T-1")] == ["Poštovana, šaljemo novi račun."]
    assert store.drafts("maija") == {}
