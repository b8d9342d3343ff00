"""The complaint screen: header, body, checklist side panel and notes."""

from babel.dates import format_date

from console.app import POLL_SECONDS
from console.keys import key_help
from console.playbooks import Playbooks
from console.screens.complaint import ComplaintScreen
from console.screens.inbox import InboxScreen
from console.store import Store
from console.widgets.checklist import Checklist
from console.widgets.reply_area import ReplyArea
from tests.conftest import make_app, make_complaint, notifications, screen_text, settle, wait_for


async def open_first(pilot) -> ComplaintScreen:  # type: ignore[no-untyped-def]
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ComplaintScreen)
    return screen


async def test_header_body_checklist_and_notes_fit_at_80x24(small_store: Store, playbooks: Playbooks) -> None:
    small_store.add_note("T-3", "anna", "Customer wants the final invoice by e-mail.")
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first(pilot)
        text = screen_text(app)
        for expected in (
            "T-3",
            "Subject 3",
            "Customer 3",
            "<c3@example.com>",
            "e-mail",
            format_date(make_complaint(3).received.astimezone(), "MMM", locale="en"),  # the month it came in
            "Body of complaint 3.",
            "Cancellation",
            "1. Apologise",
            "5. Thank",
            "anna",
            "Customer wants the final invoice",
            "Note (internal) · anna",
        ):
            assert expected in text, expected
        side = screen.query_one("#side")
        assert side.region.right <= 80 and side.region.width >= 30


async def test_side_panel_stacks_below_the_body_when_narrow(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(60, 24)) as pilot:
        screen = await open_first(pilot)
        body, side = screen.query_one("#body"), screen.query_one("#side")
        assert side.region.y > body.region.y and side.region.width >= 55
        assert side.region.bottom <= 24 and screen.query_one(Checklist).region.height >= 2


async def test_space_ticks_the_focused_step_and_it_survives_restart(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("j", "space")
        await settle(pilot)
        assert "[x] 2. Ask why" in screen_text(app) and "1/5" in screen_text(app)
    tick = small_store.complaint("T-3").tick("cancellation", "ask")
    assert tick is not None and tick.by == "anna"

    again = make_app(Store(small_store.directory), playbooks)
    async with again.run_test(size=(80, 24)) as pilot:
        assert "1/5" in screen_text(again)
        await open_first(pilot)
        assert "[x] 2. Ask why" in screen_text(again) and "✓ anna" in screen_text(again)
        await pilot.press("k", "j", "space")  # k stays on the first step; j moves to step 2; untick
        await settle(pilot)
        assert small_store.complaint("T-3").tick("cancellation", "ask") is None


async def test_number_keys_tick_step_n(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("1", "3", "5")
        await settle(pilot)  # the ticks are stored; then a step the playbook has not
        await pilot.press("9")
        complaint = small_store.complaint("T-3")
        done = [
            step
            for step in ("apologise", "ask", "instruct", "confirm", "thank")
            if complaint.tick("cancellation", step)
        ]
        assert done == ["apologise", "instruct", "thank"]
        assert "This playbook has no step 9." in notifications(app)


async def test_n_writes_a_note_that_persists_with_author_and_time(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks, agent="juha")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Soitin [b]takaisin[/b]", "enter", *"toinen rivi", "ctrl+s")  # Enter is a new line
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
        assert "Soitin [b]takaisin[/b]" in screen_text(app) and "Note (internal) · juha" in screen_text(app)
        assert app.focused is app.screen.query_one(Checklist)  # saved: keys act as keys again
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")  # an empty note is refused
        await settle(pilot)
        assert "An empty note is not saved." in notifications(app)
        await pilot.press("escape")  # leaves the editor, back on the complaint
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
    [note] = Store(small_store.directory).notes("T-3")
    assert (note.author, note.text) == ("juha", "Soitin [b]takaisin[/b]\ntoinen rivi")


async def test_tab_moves_between_the_conversation_and_the_checklist(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        visited = []
        for _ in range(2):
            await pilot.press("tab")
            visited.append(app.focused.id if app.focused else None)
        assert visited == ["body", "checklist"]


async def test_status_priority_assign_and_playbook_keys_on_the_complaint(
    small_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(small_store, playbooks, agent="ivana")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("s", "s", "p", "a")
        await pilot.pause()  # the dialog is up before Enter goes to it
        await pilot.press("enter", "b")
        await settle(pilot)
        await pilot.press("G", "enter")
        await settle(pilot)
        complaint = small_store.complaint("T-3")
        assert (complaint.status, complaint.priority, complaint.assignee, complaint.playbook) == (
            "resolved",
            "high",
            "ivana",
            "service",
        )
        text = screen_text(app)
        assert "Status: resolved" in text and "Assigned: ivana" in text
        assert playbooks["service"].title("en") in text and "0/8" in text


async def test_avoid_list_and_quality_level_are_shown(small_store: Store, playbooks: Playbooks) -> None:
    small_store.add_complaints([make_complaint(7, kind="complaint")])
    small_store.add_complaints([make_complaint(8, kind="service")])
    for step in ("answer", "no-empty-promises", "listen", "handle-reclamations"):
        small_store.set_step("T-8", "service", step, True, "tom")
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)  # T-8, newest
        await pilot.press("G")
        await settle(pilot)
        assert "Level reached: Good service" in screen_text(app)
        await pilot.press("escape", "j", "enter")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        text = screen_text(app)
        assert playbooks["complaint"].avoid[-1].title("en") in text and "72%" in text


async def test_hostile_body_is_literal_and_cannot_break_the_layout(small_store: Store, playbooks: Playbooks) -> None:
    body = (
        "[bold]not bold[/bold] \x1b]0;title\x07\x1b[2J\x1b[31mred?\x1b[0m \u202eevil\n"
        + "x" * 5000
        + "\n"
        + "line\n" * 400
    )
    small_store.add_complaints([make_complaint(9, body=body, subject="[link=http://x]click[/link]")])
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first(pilot)
        text = screen_text(app)
        assert "[bold]not bold[/bold]" in text and "red?" in text and "[link=http://x]click[/link]" in text
        assert "\x1b" not in text and "\u202e" not in text and "title" not in text
        assert screen.query_one("#side").region.right <= 80
        assert "Cancellation" in text  # the checklist is still there next to a 5000-character line


async def test_another_agents_note_and_tick_appear_without_restart(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        colleague = Store(small_store.directory)  # as another process would open it
        colleague.add_note("T-3", "kadri", "Helistasin kliendile.")
        colleague.set_step("T-3", "cancellation", "confirm", True, "kadri")
        for _ in range(40):
            await pilot.pause(0.1)
            if "Helistasin kliendile." in screen_text(app):
                break
        text = screen_text(app)
        assert "Helistasin kliendile." in text and "[x] 4. Confirm" in text and "1/5" in text


async def test_h_shows_who_changed_what_and_when(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks, agent="tom", language="et")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("s", "2", "h")
        await settle(pilot)
        text = screen_text(app)
        assert "Kaebuse T-3 ajalugu" in text
        assert "olek avatud → ootel" in text and "tom" in text
        assert f"linnutatud: {playbooks['cancellation'].steps[1].title('et')}" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)


async def test_page_keys_scroll_a_long_body(small_store: Store, playbooks: Playbooks) -> None:
    small_store.add_complaints([make_complaint(9, body="\n".join(f"line {n}" for n in range(200)))])
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first(pilot)
        body = screen.query_one("#body")
        body.focus()
        await pilot.press("pagedown", "pagedown")
        await wait_for(pilot, lambda: body.scroll_y > 10)
        await pilot.press("G")
        await wait_for(pilot, lambda: "line 199" in screen_text(app))
        await pilot.press("pageup", "g")
        await wait_for(pilot, lambda: body.scroll_y == 0 and "line 0" in screen_text(app))


async def test_an_unsaved_note_is_kept_as_a_draft_when_leaving(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"half a thought", "escape")
        await settle(pilot)
        assert "Draft kept for T-3." in notifications(app)
        await pilot.press("escape", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.query_one(ReplyArea).text == "half a thought"
        await pilot.press("end", *" finished", "ctrl+s")
        await settle(pilot)
    assert [note.text for note in small_store.notes("T-3")] == ["half a thought finished"]


async def test_L_on_the_complaint_screen_translates_checklist_and_header(
    small_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("L", "L", "L")  # en → fi → et → hr
        await pilot.pause()
        text = screen_text(app)
        cancellation = playbooks["cancellation"]
        assert cancellation.title("hr") in text and cancellation.steps[0].title("hr") in text
        assert "Status: otvorena" in text and "Natrag" in text


async def test_q_on_a_complaint_goes_back_and_q_in_the_inbox_quits(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen) and app.is_running
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_help_on_a_complaint_says_q_goes_back_and_in_the_inbox_that_it_quits(
    small_store: Store, playbooks: Playbooks
) -> None:
    def keys_of(screen: object) -> dict[str, list[str]]:
        return {entry.description: entry.keys.split() for entry in key_help(app, screen)}  # type: ignore[arg-type]

    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "q" in keys_of(app.screen)["Quit"]
        screen = await open_first(pilot)
        keys = keys_of(screen)
        assert keys["Back"] == ["esc", "q"] and "q" not in keys["Quit"]


async def test_the_avoid_list_below_the_steps_is_reachable_by_keys_at_80x24(
    small_store: Store, playbooks: Playbooks
) -> None:
    small_store.add_complaints([make_complaint(7, kind="complaint")])
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        last_habit = playbooks["complaint"].avoid[-1].title("en")
        assert last_habit not in screen_text(app)
        await pilot.press("G")
        await pilot.pause()
        assert last_habit in screen_text(app)
        await pilot.press("g")
        await pilot.pause()
        assert "›[ ] 1." in screen_text(app)


async def test_help_scrolls_to_its_last_key_at_80x24(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Esc, q or ? closes this help." in screen_text(app)
        await pilot.press("G")
        await pilot.pause()
        assert "Language" in screen_text(app) and "Commands" in screen_text(app)


async def test_hostile_ids_reach_neither_toasts_nor_screen_as_escapes(small_store: Store, playbooks: Playbooks) -> None:
    small_store.add_complaints([make_complaint(9, id="[b]X\x1b]0;PWNED\x07\x1b[2J")])  # from an older tool
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.press("s")
        await settle(pilot)
        toasts = [message for message in notifications(app) if "status" in message]
        assert toasts == ["[b]X: status waiting"]  # the whole OSC sequence is gone, the markup shown as text
        assert "\x1b" not in screen_text(app) and "PWNED" not in screen_text(app) and "[b]X" in screen_text(app)


async def test_no_key_acts_behind_the_too_small_notice(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(30, 8)) as pilot:
        await pilot.press("s", "enter", "a", "question_mark", "L")
        await pilot.pause()
        assert small_store.complaint("T-3").status == "open"
        stack = [type(screen).__name__ for screen in app.screen_stack]
        assert app.language == "en" and stack[-2:] == ["InboxScreen", "TooSmallScreen"]
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_ids_with_slashes_spaces_and_letters_open_fine(small_store: Store, playbooks: Playbooks) -> None:
    odd_ids = ["2024/17", "ZD 12", "T#1", "ä-1"]
    small_store.add_complaints([make_complaint(10 + n, id=odd) for n, odd in enumerate(odd_ids)])
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(100, 24)) as pilot:
        for _ in odd_ids:
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ComplaintScreen) and app.screen.complaint_id in screen_text(app)
            await pilot.press("escape", "j")
            await pilot.pause()


async def test_a_refused_write_is_a_message_and_the_typed_note_stays(
    small_store: Store, playbooks: Playbooks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)

        def disk_full(*args: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("os.fsync", disk_full)
        await pilot.press("s", "n")
        await settle(pilot)
        await pilot.press(*"keep me", "ctrl+s")
        await settle(pilot)
        assert app.is_running
        assert any("No space left on device" in message for message in notifications(app))
        assert app.screen.query_one(ReplyArea).text == "keep me"
    assert small_store.complaint("T-3").status == "open" and small_store.notes("T-3") == []


async def test_quitting_from_the_too_small_notice_keeps_the_editors_draft(
    small_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(small_store, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"half typed")
        await pilot.resize_terminal(30, 10)
        await pilot.pause()
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running)
    app.service.flush()
    assert Store(small_store.directory).drafts("anna")[("T-3", "note")].text == "half typed"


async def test_yes_and_no_also_take_the_languages_own_letters(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks, language="fi")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t", "s")  # a status for the tagged row: asked before it is set
        await pilot.pause()
        await pilot.press("j", "enter")
        await pilot.pause()
        await pilot.press("e")  # ei
        await settle(pilot)
        assert small_store.complaint("T-3").status == "open"
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("j", "enter")
        await pilot.pause()
        await pilot.press("k")  # kyllä
        await settle(pilot)
        assert small_store.complaint("T-3").status == "waiting"


async def test_another_agents_status_change_reaches_the_inbox_within_two_seconds(
    small_store: Store, playbooks: Playbooks
) -> None:
    import time

    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "waiting" not in screen_text(app) and "Open 3" in screen_text(app)
        Store(small_store.directory).set_field("T-2", "status", "waiting", "kadri")
        changed = time.monotonic()
        while "waiting" not in screen_text(app) and time.monotonic() - changed < 10:  # a bound, not a figure
            await pilot.pause(0.05)
        assert "waiting" in screen_text(app) and "Open 2" in screen_text(app)
    assert POLL_SECONDS < 2  # within two seconds: the poll that notices comes at most one interval later


async def test_a_complaint_shows_who_else_has_it_open(small_store: Store, playbooks: Playbooks) -> None:
    import os
    import time

    from console.store.presence import STALE_SECONDS, Presence

    kadri = Presence(small_store.directory, "kadri")  # another agent-console, as its process would say it
    kadri.viewing("T-3")
    gone = Presence(small_store.directory, "ghost")  # a program killed long ago
    gone.viewing("T-3")
    old = time.time() - STALE_SECONDS - 5
    os.utime(gone.path, (old, old))
    app = make_app(small_store, playbooks, agent="tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        text = screen_text(app)
        assert "Also open by: kadri" in text and "ghost" not in text
        assert [viewer.agent for viewer in kadri.others_on("T-3")] == ["tom"]  # and kadri sees tom
        kadri.viewing(None)
        for _ in range(30):
            await pilot.pause(0.1)
            if "Also open by" not in screen_text(app):
                break
        assert "Also open by" not in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: kadri.others_on("T-3") == [])  # written on a thread of its own
    assert not gone.path.exists()  # cleared by whoever saw it


def checklist_lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The lines of the screen the checklist covers."""
    region = app.screen.query_one(Checklist).region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return [line[region.x : region.right] for line in lines]


async def test_at_40x12_the_complaint_shows_the_first_step_not_done_and_the_steps_around_it(
    small_store: Store, playbooks: Playbooks
) -> None:
    for step in ("apologise", "ask"):
        small_store.set_step("T-3", "cancellation", step, True, "anna")
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(40, 12)) as pilot:
        await open_first(pilot)
        await pilot.pause()
        lines = checklist_lines(app)
        current = [line for line in lines if line.startswith("›")]
        assert current and "3. Give clear" in current[0]
        assert any("2. Ask why" in line for line in lines) and any("4. Confirm" in line for line in lines)
        await pilot.press("j")  # on to step 4: 3 above it and 5 below it stay in sight
        await pilot.pause()
        lines = checklist_lines(app)
        assert any(line.startswith("›") and "4. Confirm" in line for line in lines)
        assert any("3. Give clear" in line for line in lines) and any("5. Thank" in line for line in lines)


async def test_from_120_columns_the_checklist_gets_a_fair_share_of_the_width(
    small_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_first(pilot)
        assert screen.query_one("#side").region.width >= 0.4 * 120
        await pilot.resize_terminal(200, 30)
        await pilot.pause()
        assert screen.query_one("#side").region.width >= 0.4 * 200
        await pilot.resize_terminal(80, 24)  # below, the body keeps most of the room and the steps stay readable
        await pilot.pause()
        side, body = screen.query_one("#side").region, screen.query_one("#body").region
        assert side.width >= 30 and body.width >= 40


async def test_switching_playbook_says_the_ticks_are_kept_and_switching_back_brings_them_back(
    small_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("1", "2", "b")
        await settle(pilot)
        assert "Ticks are kept for each playbook" in screen_text(app)
        await pilot.press("j", "enter")  # Upset customer
        await settle(pilot)
        assert "0/6" in screen_text(app)
        assert any(
            "T-3: Upset customer 0/6; ticks of other playbooks kept" in message for message in notifications(app)
        )
        await pilot.press("b", "k", "enter")  # back to the cancellation playbook
        await settle(pilot)
        assert "2/5" in screen_text(app) and "[x] 2. Ask why" in screen_text(app)


async def test_ticking_three_steps_leaves_one_message_above_the_keys_and_no_toast_over_the_checklist(
    small_store: Store, playbooks: Playbooks
) -> None:
    from console.widgets.key_bar import KeyBar
    from console.widgets.status_line import StatusLine

    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first(pilot)
        await pilot.press("1", "2", "3")
        await settle(pilot)
        assert list(app._notifications) == []  # no toast over the checklist
        line = screen.query_one(StatusLine)
        assert line.message == "Step 3 done: Give clear instructions"
        assert line.region.bottom == screen.query_one(KeyBar).region.y  # just above the keys line
        assert "Step 3 done" in screen_text(app) and "Step 1 done" not in screen_text(app)
        await pilot.press("9")  # a warning takes the same line
        await settle(pilot)
        assert line.message == "This playbook has no step 9." and list(app._notifications) == []
