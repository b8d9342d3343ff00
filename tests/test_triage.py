"""Triage in the inbox: views, search and filter with the query language, sorting, tags and bulk changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.playbooks import Playbooks
from console.screens.dialogs import ChoiceDialog, ConfirmDialog
from console.screens.inbox import InboxScreen
from console.store import Store
from console.widgets.inbox_list import InboxList
from tests.conftest import make_app, make_complaint, notifications, screen_text, settle, wait_for


@pytest.fixture
def desk(tmp_path: Path) -> Store:
    """T-1…T-12, T-12 newest; T-3 and T-7 waiting, T-5 resolved; T-4 urgent, T-8 high; anna has T-1 and T-2."""
    now = datetime.now(UTC)
    store = Store(tmp_path / "desk")
    store.add_complaints(
        [
            make_complaint(n, received=now - timedelta(hours=13 - n), customer_name=f"Customer {chr(64 + n)}")
            for n in range(1, 13)
        ]
    )
    for cid, field, value in [
        ("T-3", "status", "waiting"), ("T-7", "status", "waiting"), ("T-5", "status", "resolved"),
        ("T-4", "priority", "urgent"), ("T-8", "priority", "high"),
        ("T-1", "assignee", "anna"), ("T-2", "assignee", "anna"), ("T-6", "assignee", "bob"),
    ]:  # fmt: skip
        store.set_field(cid, field, value, "anna")
    return store


def shown(app) -> list[str]:  # type: ignore[no-untyped-def]
    listing = app.screen.query_one(InboxList)
    return [listing.row(position).id for position in range(listing.count)]


def current(app) -> str | None:  # type: ignore[no-untyped-def]
    return app.screen.query_one(InboxList).current_id


async def test_views_switch_by_number_and_show_their_counts(desk: Store, playbooks: Playbooks) -> None:
    app = make_app(desk, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        text = screen_text(app)
        for label in ("1 Mine 2 │ 2 Unassigned 8 │ 3 Open 9 │ 4 Waiting 2", "[6 All 12]"):
            assert label in text, label
        await pilot.press("1")
        assert sorted(shown(app)) == ["T-1", "T-2"] and "[1 Mine 2]" in screen_text(app)
        await pilot.press("4")
        assert sorted(shown(app)) == ["T-3", "T-7"]
        await pilot.press("2")
        assert "T-6" not in shown(app) and "T-5" not in shown(app) and len(shown(app)) == 8
        await pilot.press("v")  # the next view: Open
        assert "[3 Open 9]" in screen_text(app) and len(shown(app)) == 9


async def test_overdue_view_and_the_palette_reach_views(desk: Store, playbooks: Playbooks) -> None:
    app = make_app(desk, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")  # urgent is due in 1 h, high in 4 h: T-4 is 9 h old, T-8 5 h; the rest have a day
        assert sorted(shown(app)) == ["T-4", "T-8"]
        await pilot.press("ctrl+p", *"Waiting")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert sorted(shown(app)) == ["T-3", "T-7"]


async def test_search_jumps_to_matches_and_n_N_move_between_them(desk: Store, playbooks: Playbooks) -> None:
    app = make_app(desk, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"subject 1")  # T-1, T-10, T-11, T-12
        assert len(shown(app)) == 12  # a search keeps every row, marks the matches
        assert current(app) == "T-12" and "4 matches" in screen_text(app)
        await pilot.press("enter")
        await pilot.press("n")
        assert current(app) == "T-11"
        await pilot.press("n", "n")
        assert current(app) == "T-1"
        await pilot.press("n")  # wraps round to the first
        assert current(app) == "T-12" and "Search continued from the top." in notifications(app)
        await pilot.press("N")
        assert current(app) == "T-1" and "Search continued from the bottom." in notifications(app)
        await pilot.press("escape")
        assert "matches" not in screen_text(app)


async def test_filter_with_fields_as_you_type_and_a_clear_message_when_malformed(
    desk: Store, playbooks: Playbooks
) -> None:
    app = make_app(desk, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", *"status:waiting")
        await pilot.pause()
        assert sorted(shown(app)) == ["T-3", "T-7"]
        await pilot.press(*" prio:hig")
        await pilot.pause()  # half typed: not a priority (yet), and the message says which are
        assert "prio:hig is not known; try high, low, normal, urgent." in screen_text(app)
        await pilot.press("h")
        await pilot.pause()
        assert shown(app) == [] and "Nothing matches the filter." in screen_text(app)
        assert "is not known" not in screen_text(app)
        await pilot.press("ctrl+u", *"agent:me")
        assert sorted(shown(app)) == ["T-1", "T-2"] and "is not known" not in screen_text(app)
        await pilot.press("enter", "escape")
        assert len(shown(app)) == 12


async def test_o_sorts_by_age_priority_customer_and_progress_and_O_reverses(desk: Store, playbooks: Playbooks) -> None:
    desk.set_step("T-9", "cancellation", "apologise", True, "anna")
    desk.set_step("T-9", "cancellation", "ask", True, "anna")
    app = make_app(desk, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        assert shown(app)[-1] == "T-5"  # by status first: resolved last
        await pilot.press("o")
        assert shown(app) == [f"T-{n}" for n in range(12, 0, -1)] and "sorted by ↓ age" in screen_text(app)
        await pilot.press("o")
        assert shown(app)[:2] == ["T-4", "T-8"]
        await pilot.press("o")  # customer A–Z: T-1 is "Customer A"
        assert shown(app)[:2] == ["T-1", "T-2"]
        await pilot.press("o")  # least done first: T-9 has 2 of 5 steps
        assert shown(app)[-1] == "T-9"
        await pilot.press("O")
        assert shown(app)[0] == "T-9" and "↑" in screen_text(app)


async def test_tag_rows_then_change_them_all_with_a_preview_and_undo(desk: Store, playbooks: Playbooks) -> None:
    app = make_app(desk, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        first, second = shown(app)[:2]
        await pilot.press("t", "t")
        assert "2 tagged" in screen_text(app)
        assert screen_text(app).count("*") >= 2
        under = current(app)  # t t moved the cursor to the third row
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("G", "enter")  # resolved
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Set status to resolved on 2 tagged complaints?" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert {desk.complaint(cid).status for cid in (first, second)} == {"resolved"}
        assert [c.by for c in desk.history(first)][-1] == "anna"
        assert current(app) == under  # the two rows above it went to the end: the cursor stays on its own
        await pilot.press("u")
        await settle(pilot)
        assert {desk.complaint(cid).status for cid in (first, second)} == {"open"}


async def test_T_tags_everything_the_filter_shows_and_a_declined_preview_changes_nothing(
    desk: Store, playbooks: Playbooks
) -> None:
    app = make_app(desk, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", *"status:waiting", "enter", "T")
        assert "2 tagged" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+u", *"bob", "enter")
        await settle(pilot)
        assert "Set agent to bob on 2 tagged complaints?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert desk.complaint("T-3").assignee is None
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("G", "enter", "y")  # urgent
        await settle(pilot)
        assert {desk.complaint(cid).priority for cid in ("T-3", "T-7")} == {"urgent"}
        await pilot.press("T")  # all shown were tagged: T untags them
        assert "tagged" not in screen_text(app)


async def test_a_large_desk_loads_in_the_background_with_progress(tmp_path: Path, playbooks: Playbooks) -> None:
    from console.seeding import seed_store

    store = Store(tmp_path / "big")
    seed_store(store, 1500, 2, playbooks)
    app = make_app(store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, InboxScreen)
        await wait_for(pilot, lambda: app.screen.model is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "[6 All 1,500]" in screen_text(app)
        await pilot.press("G")
        assert app.screen.query_one(InboxList).cursor == 1499


async def test_the_help_screen_of_the_inbox_explains_the_query_language(desk: Store, playbooks: Playbooks) -> None:
    from console.screens.help import HelpScreen

    app = make_app(desk, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("G")
        await pilot.pause()
        text = screen_text(app)
        assert "status:open,waiting" in text and "overdue" in text and "tagged" in text and "accents" in text


async def test_view_names_cut_to_fit_never_read_alike_and_come_back_when_there_is_room(
    desk: Store, playbooks: Playbooks
) -> None:
    from console.widgets.inbox_title import shortened

    assert shortened(["Omat", "Vapaat", "Avoimet", "Odottaa", "Myöhässä", "Kaikki"], 1) == [
        "Om.", "V.", "A.", "Od.", "M.", "K."
    ]  # fmt: skip
    assert shortened(["Moje", "Nedodijeljene", "Na čekanju"], 1, whole=2) == ["M.", "N.", "Na čekanju"]
    app = make_app(desk, playbooks, language="et")
    async with app.run_test(size=(52, 24)) as pilot:
        views = screen_text(app).splitlines()[1]
        names = [part.split()[1] for part in views.strip(" []").split("│")]
        assert len(names) == 6 and len(set(names)) == 6, views
        await pilot.resize_terminal(40, 24)
        await pilot.pause()
        views = screen_text(app).splitlines()[1]
        assert "…" not in views and "1 0│" in views and "[6 Kõik 12]" in views, views  # numbers say which
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        assert "1 Minu 0 │ 2 Määramata" in screen_text(app).splitlines()[1]


async def test_a_quoted_multi_word_value_is_offered_in_the_current_language(desk: Store, playbooks: Playbooks) -> None:
    app = make_app(desk, playbooks, language="hr")
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.press("f", *"status:na")
        await pilot.pause()
        assert 'status:na nije poznato; pokušajte "na čekanju", otvorena, riješena.' in screen_text(app)
        await pilot.press(*"x", "ctrl+u", *'status:"na čekanju"')
        await pilot.pause()
        assert sorted(shown(app)) == ["T-3", "T-7"]


async def test_on_a_desk_loaded_in_the_background_a_bulk_change_keeps_the_cursor_on_its_complaint(
    tmp_path: Path, playbooks: Playbooks
) -> None:
    from console.seeding import seed_store

    store = Store(tmp_path / "big")
    seed_store(store, 1300, 5, playbooks)  # six shards: loaded on a worker, after each change too
    app = make_app(store, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.model is not None)
        await settle(pilot)
        tagged = shown(app)[:3]
        await pilot.press("t", "t", "t")
        under = current(app)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("G", "enter")  # resolved: the tagged rows go to the end of the list
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert {store.complaint(cid).status for cid in tagged} == {"resolved"}
        assert current(app) == under and shown(app).index(under) < 3


async def test_the_query_line_always_says_which_filter_and_search_are_in_force(
    desk: Store, playbooks: Playbooks
) -> None:
    app = make_app(desk, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"customer", "enter", "f", *"status:waiting", "enter")
        await pilot.pause()
        assert "Filter: status:waiting · Search: customer" in screen_text(app)
        await pilot.press("escape")  # the search goes; the filter still applies, and the line says so
        await pilot.pause()
        assert sorted(shown(app)) == ["T-3", "T-7"]
        assert "Filter: status:waiting" in screen_text(app) and "Search:" not in screen_text(app)
        await pilot.press("slash", *"B")  # typing a search: the filter in force stays in sight
        await pilot.pause()
        assert "Filter: status:waiting" in screen_text(app)
        await pilot.press("enter", "escape", "escape")
        await pilot.pause()
        assert "Filter:" not in screen_text(app) and len(shown(app)) == 12


async def test_tagged_rows_out_of_view_are_counted_in_the_title_and_in_the_question(
    desk: Store, playbooks: Playbooks
) -> None:
    app = make_app(desk, playbooks, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "t", "t")  # Open view: T-12 and T-11 tagged
        await settle(pilot)
        assert "2 tagged" in screen_text(app) and "hidden" not in screen_text(app)
        await pilot.press("f", *"T-12", "enter")  # the filter hides T-11
        await settle(pilot)
        assert "2 tagged (1 hidden)" in screen_text(app)
        await pilot.press("p", "G", "enter")
        await settle(pilot)
        assert "1 of them is not shown" in screen_text(app)
        await pilot.press("n", "escape", "s", "j", "enter", "y")  # both set to waiting: out of the Open view
        await settle(pilot)
        assert {desk.complaint(cid).status for cid in ("T-12", "T-11")} == {"waiting"}
        assert "2 tagged (2 hidden)" in screen_text(app)
        await pilot.press("4")  # the Waiting view shows them both
        await settle(pilot)
        assert "2 tagged" in screen_text(app) and "hidden" not in screen_text(app)


async def test_a_reversed_sort_is_named_for_what_comes_first(desk: Store, playbooks: Playbooks) -> None:
    app = make_app(desk, playbooks, agent="anna")
    async with app.run_test(size=(100, 24)) as pilot:
        assert "status, newest" in screen_text(app)
        await pilot.press("O")
        await pilot.pause()
        assert "status from resolved, oldest" in screen_text(app) and "newest" not in screen_text(app)
        await pilot.press("o")  # age, still reversed
        await pilot.pause()
        assert "age, oldest first" in screen_text(app)
        await pilot.press("O")
        await pilot.pause()
        assert "oldest" not in screen_text(app)
