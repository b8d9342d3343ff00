"""The inbox, driven by keys as an agent drives it."""

from textual.widgets import Input

from console.playbooks import Playbooks
from console.screens.complaint import ComplaintScreen
from console.screens.help import HelpScreen
from console.screens.inbox import InboxScreen
from console.store import Store
from console.widgets.inbox_list import InboxList, InboxRow
from tests.conftest import make_app, make_complaint, screen_text, settle, wait_for


def inbox(app) -> InboxList:  # type: ignore[no-untyped-def]
    return app.screen.query_one(InboxList)


def rows(app) -> list[InboxRow]:  # type: ignore[no-untyped-def]
    """Every row the inbox would show, in order (formatted on demand, as scrolling would)."""
    listing = inbox(app)
    return [listing.row(position) for position in range(listing.count)]


async def test_newest_open_complaints_come_first(demo_store: Store, playbooks: Playbooks) -> None:
    app = make_app(demo_store, playbooks)
    async with app.run_test(size=(80, 24)):
        shown = rows(app)
        complaints = {complaint.id: complaint for complaint in demo_store.complaints()}
        statuses = [complaints[row.id].status for row in shown]
        assert statuses == sorted(statuses, key=["open", "waiting", "resolved"].index)
        open_rows = [complaints[row.id] for row in shown if complaints[row.id].status == "open"]
        assert open_rows == sorted(open_rows, key=lambda complaint: complaint.received, reverse=True)
        assert len(shown) == 48


async def test_a_row_shows_age_customer_subject_channel_language_status_priority_progress(
    small_store: Store, playbooks: Playbooks
) -> None:
    small_store.set_step("T-3", "cancellation", "apologise", True, "anna")
    small_store.set_field("T-3", "priority", "high", "anna")
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(100, 24)):
        lines = screen_text(app).splitlines()
        header = lines[2]
        for title in ("Age", "Customer", "Subject", "Via", "Lang", "Status", "Priority", "Steps"):
            assert title in header
        first = lines[3]
        assert first.startswith("›")
        for value in ("Customer 3", "Subject 3", "mail", "en", "open", "high", "1/5"):
            assert value in first
        assert "day" in first  # received days ago, in words from CLDR


async def test_at_80_columns_the_channel_gives_its_room_to_the_subject(
    small_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(100, 24)):
        wide = inbox(app)._layout()
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)):
        header = screen_text(app).splitlines()[2]
        narrow = inbox(app)._layout()
        for title in ("Due", "Customer", "Subject", "Lang", "Status", "Priority", "Steps"):
            assert title in header
        assert "Via" not in header and "Age" not in header  # the clock beside the customer says more
        assert [column.field for column in narrow] == [
            "due",
            "customer",
            "subject",
            "language",
            "status",
            "priority",
            "progress",
        ]
        assert sum(column.width + 1 for column in narrow) + 2 <= 80
        subject = {column.field: column.width for column in narrow}["subject"]
        assert subject >= 25
        assert "shown_id" in [column.field for column in wide]


async def test_j_k_arrows_g_and_G_move_the_cursor(demo_store: Store, playbooks: Playbooks) -> None:
    app = make_app(demo_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        listing = inbox(app)
        await pilot.press("j", "j", "down")
        assert listing.cursor == 3
        await pilot.press("k", "up")
        assert listing.cursor == 1
        await pilot.press("G")
        assert listing.cursor == 47
        assert listing.row(47).id in screen_text(app) or listing.row(47).customer[:10] in screen_text(app)
        await pilot.press("g")
        assert listing.cursor == 0 and listing.scroll_offset.y == 0
        await pilot.press("k")
        assert listing.cursor == 0


async def test_enter_opens_and_escape_goes_back(demo_store: Store, playbooks: Playbooks) -> None:
    app = make_app(demo_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "enter")
        assert isinstance(app.screen, ComplaintScreen)
        opened = app.screen.complaint_id
        await pilot.press("escape")
        assert isinstance(app.screen, InboxScreen)
        assert inbox(app).current_id == opened == rows(app)[1].id


async def test_f_filters_ignoring_case_and_diacritics(small_store: Store, playbooks: Playbooks) -> None:
    small_store.add_complaints([make_complaint(4, subject="Čokolada je stigla otopljena")])
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", *"COKOLADA")
        assert [row.id for row in rows(app)] == ["T-4"]
        assert "1 shown" in screen_text(app)
        await pilot.press("enter")  # keep the filter, back to the list
        assert inbox(app).has_focus and len(rows(app)) == 1
        await pilot.press("escape")  # clears the filter
        assert len(rows(app)) == 4
        await pilot.press("f", *"zzz")
        assert "Nothing matches the filter." in screen_text(app)


async def test_s_p_a_b_change_the_highlighted_complaint(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p", "p")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")  # the dialog offers me
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("j", "enter")  # the playbook after cancellation
        await settle(pilot)
        assert "0/6" in screen_text(app)  # progress follows the new playbook
        await pilot.press("s")  # waiting: T-3 moves below the open ones, the next open one is under the cursor
        await settle(pilot)
        assert inbox(app).current_id == "T-2"
        complaint = small_store.complaint("T-3")
        assert (complaint.status, complaint.priority, complaint.assignee) == ("waiting", "urgent", "anna")
        assert complaint.playbook == "upset"
        history = [(change.field, change.new) for change in small_store.history("T-3")]
        assert history == [
            ("priority", "high"),
            ("priority", "urgent"),
            ("assignee", "anna"),
            ("playbook", "upset"),
            ("status", "waiting"),
        ]


async def test_assign_to_a_named_agent_and_unassign(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+u", *"kadri", "enter")  # no one on the desk is called kadri: asked once more
        await settle(pilot)
        assert "No one called kadri is on the desk yet" in screen_text(app)
        assert small_store.complaint("T-3").assignee is None
        await pilot.press("enter")
        await settle(pilot)
        assert small_store.complaint("T-3").assignee == "kadri"
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+u", "enter")
        await settle(pilot)
        assert small_store.complaint("T-3").assignee is None
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert small_store.complaint("T-3").assignee is None and isinstance(app.screen, InboxScreen)


async def test_a_offers_my_own_name_and_completes_names_seen_on_the_desk(
    small_store: Store, playbooks: Playbooks
) -> None:
    small_store.set_field("T-3", "assignee", "kadri", "kadri")
    small_store.set_field("T-1", "assignee", "kadri", "kadri")
    small_store.set_field("T-2", "assignee", "Bob Smith", "kadri")
    app = make_app(small_store, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")  # on T-3, which kadri has
        await settle(pilot)
        field = app.screen.query_one(Input)
        assert field.value == "anna" and "(now: kadri)" in screen_text(app)
        await pilot.press("ctrl+u", "b", "right", "enter")  # → takes the completion: a typo-free name
        await settle(pilot)
        assert small_store.complaint("T-3").assignee == "Bob Smith"
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+u", *"KADRI", "enter")  # a known name in other letters is that agent
        await settle(pilot)
        assert small_store.complaint("T-3").assignee == "kadri"


async def test_w_opens_the_complaint_ready_for_a_note(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w")
        assert isinstance(app.screen, ComplaintScreen)
        assert app.focused is not None and app.focused.id == "note-input"


async def test_question_mark_lists_every_key_in_the_current_language(demo_store: Store, playbooks: Playbooks) -> None:
    app = make_app(demo_store, playbooks, language="fi")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        descriptions = [entry.description for entry in app.screen.keys]
        for finnish in ("Suodata", "Tila", "Tärkeys", "Lopeta", "Kieli", "Ohje", "Komennot"):
            assert finnish in descriptions
        keys = " ".join(entry.keys for entry in app.screen.keys)
        for key in ("j", "k", "g", "G", "/", "s", "p", "a", "b", "n", "L", "?", "q", "^p", "tab"):
            assert key in keys.split(), key
        await pilot.press("escape")
        assert isinstance(app.screen, InboxScreen)


async def test_L_switches_language_and_rerenders_footer_and_rows(demo_store: Store, playbooks: Playbooks) -> None:
    app = make_app(demo_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Filter" in screen_text(app) and "Inbox" in screen_text(app)
        await pilot.press("L")
        await pilot.pause()
        text = screen_text(app)
        assert app.language == "fi"
        assert "Saapuneet" in text and "Suodata" in text and "Lopeta" in text and "avoin" in text
        await pilot.press("L")
        await pilot.pause()
        assert "Postkast" in screen_text(app) and "Välju" in screen_text(app)
        await pilot.press("L")
        await pilot.pause()
        assert "Ulazni pretinac" in screen_text(app) and "Izlaz" in screen_text(app)
        await pilot.press("L")
        await pilot.pause()
        assert "Inbox" in screen_text(app) and app.language == "en"


async def test_command_palette_runs_a_screen_command(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"priority")
        await wait_for(pilot, lambda: "Priority" in screen_text(app))  # the palette offers it
        await pilot.press("enter")
        await wait_for(pilot, lambda: small_store.complaint("T-3").priority == "high")


async def test_command_palette_is_translated(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks, language="hr")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"jezik")
        await wait_for(pilot, lambda: "Jezik" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.language == "en")  # hr is last in the cycle


async def test_q_quits(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_hostile_text_is_shown_literally_in_the_inbox(small_store: Store, playbooks: Playbooks) -> None:
    small_store.add_complaints(
        [
            make_complaint(9, customer_name="[b]Eve[/b]\x1b]0;owned\x07", subject="[bold red]URGENT[/] \x1b[2Jnow"),
        ]
    )
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(120, 24)):
        text = screen_text(app)
        assert "[b]Eve[/b]" in text and "[bold red]URGENT[/] now" in text
        assert "\x1b" not in text and "owned" not in text


async def test_a_tiny_terminal_says_so_instead_of_breaking(small_store: Store, playbooks: Playbooks) -> None:
    app = make_app(small_store, playbooks)
    async with app.run_test(size=(30, 8)) as pilot:
        assert "too small" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "too small" not in screen_text(app) and "Subject 3" in screen_text(app)


async def test_page_down_and_up_move_a_screenful(demo_store: Store, playbooks: Playbooks) -> None:
    app = make_app(demo_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        listing = inbox(app)
        await pilot.press("pagedown")
        first_page = listing.cursor
        assert first_page >= 15
        await pilot.press("pagedown")
        assert listing.cursor >= 2 * first_page and listing.scroll_offset.y > 0
        assert listing.row(listing.cursor).customer[:12] in screen_text(app)
        await pilot.press("pageup", "pageup")
        assert listing.cursor == 0


async def test_an_empty_desk_says_how_to_fill_it(tmp_path, playbooks: Playbooks) -> None:  # type: ignore[no-untyped-def]
    app = make_app(Store(tmp_path / "empty"), playbooks)
    async with app.run_test(size=(100, 24)) as pilot:
        assert "agent-console import FILE" in screen_text(app)
        await pilot.press("enter", "s", "j")  # nothing to open or change: no crash
        assert isinstance(app.screen, InboxScreen)


async def test_every_key_description_comes_from_the_catalog(demo_store: Store, playbooks: Playbooks) -> None:
    from babel.messages.pofile import read_po

    from console.keys import key_help
    from console.resources import locales_dir

    msgids = {message.id for message in read_po((locales_dir() / "console.pot").open("rb")) if message.id}
    app = make_app(demo_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        for screen_keys in ([], ["enter"]):
            await pilot.press(*screen_keys)
            await pilot.pause()
            english = [entry.description for entry in key_help(app, app.screen)]
            assert set(english) <= msgids, set(english) - msgids
            await pilot.press("L")  # Finnish
            await pilot.pause()
            finnish = [entry.description for entry in key_help(app, app.screen)]
            assert len(finnish) == len(english) and not set(finnish) & set(english)
            for _ in range(3):
                await pilot.press("L")
            await pilot.pause()


async def test_ctrl_c_says_how_to_quit_in_the_current_language(small_store: Store, playbooks: Playbooks) -> None:
    from tests.conftest import notifications

    app = make_app(small_store, playbooks, language="hr")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert "Za izlaz pritisnite q ili ctrl+q." in notifications(app) and app.is_running


async def test_stepping_off_the_screen_scrolls_half_a_screen_so_the_next_steps_repaint_two_rows(
    demo_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(demo_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        listing = inbox(app)
        visible = listing.scrollable_content_region.height - 1  # less the column titles
        for _ in range(visible - 1):
            await pilot.press("j")
        assert listing.scroll_offset.y == 0 and listing.cursor == visible - 1
        await pilot.press("j")  # off the bottom
        assert listing.scroll_offset.y == visible // 2
        for _ in range(visible // 2 - 1):
            await pilot.press("j")
            assert listing.scroll_offset.y == visible // 2  # no scrolling: only the cursor's two rows change
        marked = [line for line in screen_text(app).splitlines() if line.startswith("›")]
        assert len(marked) == 1 and listing.row(listing.cursor).customer[:8] in marked[0]
        top = int(listing.scroll_offset.y)
        for _ in range(listing.cursor - top + 1):
            await pilot.press("k")  # up to the first row shown, then one more
        assert listing.scroll_offset.y == max(top - visible // 2, 0)
        await pilot.press("G")
        assert listing.cursor == 47 and listing.scroll_offset.y == 48 - visible


async def test_the_collector_paused_for_start_up_runs_again_once_the_first_frame_is_up(
    small_store: Store, playbooks: Playbooks
) -> None:
    import gc

    from console.app import ConsoleApp
    from console.collector import Pause

    start_up = Pause()  # as the command line does before it imports Textual
    try:
        app = ConsoleApp(small_store, playbooks, "tester", "en", start_up=start_up)
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(50):
                if gc.isenabled():
                    break
                await pilot.pause(0.02)
            assert gc.isenabled() and "Subject 3" in screen_text(app)
    finally:
        start_up.end()
        gc.unfreeze()


async def test_the_age_and_clock_columns_are_as_wide_as_any_value_so_scrolling_never_cuts_one(
    demo_store: Store, playbooks: Playbooks
) -> None:
    from console import i18n

    for language in ("en", "et"):
        app = make_app(demo_store, playbooks, language=language)
        async with app.run_test(size=(100, 24)) as pilot:
            await pilot.press("G", "g")
            columns = {column.field: column for column in inbox(app)._layout()}
            assert columns["age"].width == i18n.widest_age() >= len(inbox(app).row(0).age)
            assert columns["due"].width == i18n.widest_age() + 1 >= len(inbox(app).row(0).due)
            assert "…" not in screen_text(app).splitlines()[3].split()[2]  # the newest row's age, whole


async def test_the_keys_line_shows_whole_entries_only(small_store: Store, playbooks: Playbooks) -> None:
    from console.widgets.key_bar import KeyBar

    app = make_app(small_store, playbooks, language="fi")
    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        line = str(app.screen.query_one(KeyBar).render())
        assert line.rstrip().endswith(("Ohje", "Komennot", "Kieli", "Lopeta", "Muistiinpano", "Takaisin"))
        assert "Kuittaa" in line and len(line) <= 60


async def test_a_warning_the_command_line_gave_is_shown_on_screen_too(small_store: Store, playbooks: Playbooks) -> None:
    from console.app import ConsoleApp
    from tests.conftest import notifications

    app = ConsoleApp(small_store, playbooks, "tester", "en", warning="unknown language 'sv'; using English")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "unknown language 'sv'; using English" in notifications(app)
