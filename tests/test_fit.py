"""Every screen at 80×24 in every language: no title, view name, column title, key or hint cut short.

Words are chosen to fit (a native's abbreviation at most), so nothing a person reads ends in "…" where the
app itself wrote it; only untrusted text (a subject, a customer's name) may be cut."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot

from console import i18n
from console.app import ConsoleApp
from console.attachments import attachment_line, numbered
from console.i18n import _, format_moment, language_in_ui
from console.keys import typed_as_text
from console.labels import send_state
from console.playbooks import Playbooks
from console.query import key_name
from console.screens.complaint import ComplaintScreen
from console.screens.compose import ComposeScreen
from console.screens.inbox import InboxScreen, column_titles
from console.screens.phrase_picker import PhrasePicker
from console.store import Attachment, CustomerMessage, Store
from console.views import DEFAULT_SORT, SORTS, VIEWS, sort_name
from console.widgets.conversation import Conversation
from console.widgets.inbox_title import TitleFacts, title_line
from console.widgets.warnings import WarningsPanel
from tests.conftest import make_app, make_complaint, screen_text, settle, wait_for

LANGUAGES = ("en", "fi", "et", "hr")


def lines(app: ConsoleApp) -> list[str]:
    return screen_text(app).splitlines()


def key_entries(app: ConsoleApp) -> list[str]:
    """What the keys line should show: `key description` for each shown binding, one per action."""
    entries: list[str] = []
    actions: set[str] = set()
    for _node, binding, _enabled, _tooltip in app.screen.active_bindings.values():
        if binding.show and binding.action not in actions and not typed_as_text(app.screen, binding.key):
            actions.add(binding.action)
            entries.append(f"{app.get_key_display(binding)} {_(binding.description)}")
    return entries


def assert_keys_line_whole(app: ConsoleApp) -> None:
    keys = lines(app)[-1]
    missing = [entry for entry in key_entries(app) if entry not in keys]
    assert not missing, (missing, keys)


def boxed(app: ConsoleApp) -> list[str]:
    """The lines inside a dialog's round border (around it shows the screen below)."""
    shown = lines(app)
    top = next(number for number, line in enumerate(shown) if "╭" in line)
    bottom = next(number for number, line in enumerate(shown) if "╰" in line)
    left, right = shown[top].index("╭"), shown[top].index("╮")
    return [line[left + 1 : right] for line in shown[top + 1 : bottom]]


def assert_dialog_whole(app: ConsoleApp) -> str:
    """The dialog's text, its wrapped lines joined again (one space between words)."""
    inside = boxed(app)
    # `kind:…` in the query help is an example with its value left open, not a cut
    text = "\n".join(inside).replace(f"{key_name('kind')}:…", "")
    assert "…" not in text, "\n".join(inside)
    return " ".join(text.split())


async def whole_help(app: ConsoleApp, pilot: Pilot[None]) -> str:
    """Every page of a help or history dialog, paged through to its end."""
    pages = [assert_dialog_whole(app)]
    for _page in range(12):
        await pilot.press("pagedown")
        await pilot.pause()
        page = assert_dialog_whole(app)
        if page == pages[-1]:
            break
        pages.append(page)
    return "\n".join(pages)


def assert_inbox_whole(app: ConsoleApp) -> None:
    screen = app.screen
    assert isinstance(screen, InboxScreen)
    shown = lines(app)
    title, views = shown[0], shown[1]
    assert "…" not in title.replace(_("searching…"), ""), title  # the word's own dots are not a cut
    assert title.rstrip().endswith(sort_name(screen.sort, screen.reverse)), title
    assert "…" not in views, views
    for view in VIEWS:
        assert _(view.title) in views, views  # whole: never "Na čekan." or "Nedodije."
    header = next(line for line in shown if _("Subject") in line)
    assert "…" not in header, header
    titles = column_titles()
    for field in ("due", "customer", "subject", "language", "status", "priority", "progress"):
        assert titles[field] in header, (field, header)
    assert_keys_line_whole(app)


AppIn = Callable[[str], ConsoleApp]


@pytest.fixture
def app_in(demo_store: Store, playbooks: Playbooks) -> AppIn:
    def make(language: str) -> ConsoleApp:
        return make_app(demo_store, playbooks, language=language, agent="mari")

    return make


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_inbox_view_and_sort_fits_80x24(app_in: AppIn, language: str) -> None:
    app = app_in(language)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for number in range(1, len(VIEWS) + 1):
            await pilot.press(str(number))
            await pilot.pause()
            assert_inbox_whole(app)
        for _sort in SORTS:
            await pilot.press("o")
            await pilot.pause()
            assert_inbox_whole(app)
        await pilot.press("O")  # each order reversed too: "oldest first" and the like
        for _sort in SORTS:
            await pilot.press("o")
            await pilot.pause()
            assert_inbox_whole(app)
        await pilot.press("O", "t", "t", "t")  # tags and a search put the most into the title
        await pilot.press("slash")
        await pilot.pause()
        assert _("Search: words, status:open prio:high agent:me lang:fi overdue — Enter: done") in screen_text(app)
        await pilot.press(*"on", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InboxScreen) and screen.tagged and screen.model is not None
        assert screen.model.matches
        assert_inbox_whole(app)  # while the bodies may still be searched ("searching…" in the title)
        model = screen.model
        await wait_for(pilot, lambda: not any(found.searching for found in model.found.values()))
        await pilot.pause()
        assert_inbox_whole(app)  # and with what they found
        await pilot.press("f")
        await pilot.pause()
        assert _("Filter: words, status:open prio:high agent:me lang:fi overdue — Enter: done") in screen_text(app)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_inbox_help_and_dialogs_fit_80x24(app_in: AppIn, language: str) -> None:
    app = app_in(language)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = await whole_help(app, pilot)
        assert _("Esc, q or ? closes this help.") in help_text
        assert f"{key_name('status')}:" in help_text  # the query keys as this language writes them
        await pilot.press("escape", "t", "t")
        await pilot.press("s")  # with tagged rows: a status for all of them
        await pilot.pause()
        assert _("Status of the tagged complaints") in assert_dialog_whole(app)
        await pilot.press("j", "enter")
        await pilot.pause()
        assert assert_dialog_whole(app)  # the question, whole (it may wrap)
        await pilot.press("escape", "b")
        await pilot.pause()
        assert _("Enter: choose · Esc: cancel") in assert_dialog_whole(app)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_complaint_history_and_dialogs_fit_80x24_with_every_playbook(
    app_in: AppIn, playbooks: Playbooks, language: str
) -> None:
    app = app_in(language)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        ordered = sorted(playbooks.all, key=lambda playbook: playbook.order)
        for number, playbook in enumerate(ordered):
            await pilot.press("b", *["j"] * number, "enter")  # the chooser opens on the current one
            await pilot.pause()
            await pilot.press("b", "g", *["j"] * number, "enter")
            await pilot.pause()
            shown = lines(app)
            side = next(line for line in shown if f"/{len(playbook.steps)} · " in line)
            assert playbook.title(language) in side and "…" not in side, side
            state = shown[3]  # "Status: open · Priority: high · Assigned: nobody", in the language
            assert "…" not in state and _("nobody") in state, state
            assert _("Message from {customer} · {at}").split(" {")[0] in screen_text(app)
            assert_keys_line_whole(app)
        await pilot.press("1", "2", "h")
        await settle(pilot)  # the history is read on a worker: under load one pause is not enough
        assert _("Esc or h closes the history.") in await whole_help(app, pilot)
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert _("Esc, q or ? closes this help.") in await whole_help(app, pilot)
        await pilot.press("escape", "a")
        await pilot.pause()
        assert _("Enter: assign · →: complete · empty: unassign · Esc: cancel") in assert_dialog_whole(app)


HARMFUL = {
    "en": "Calm down, according to the terms of the contract we cannot.",
    "fi": "Rauhoittukaa, sopimuksen ehtojen mukaan emme voi.",
    "et": "Rahunege, lepingu tingimuste kohaselt me ei saa.",
    "hr": "Smirite se, prema uvjetima ugovora ne mozemo.",
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_reply_editor_its_warnings_and_dialogs_fit_80x24(app_in: AppIn, language: str) -> None:
    app = app_in(language)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        while screen.language != language:  # the reply in the same language as the screen: any will do
            await pilot.press("ctrl+l")
        title = lines(app)[0]
        assert _("Reply in {language}").format(language=language_in_ui(language)) in title, title
        assert_keys_line_whole(app)
        await pilot.press(*HARMFUL[language])
        await pilot.pause()
        assert len(screen.findings) >= 2, screen.findings
        panel = "\n".join(lines(app)[screen.query_one(WarningsPanel).region.y : -3])
        assert "…" not in panel, panel
        assert screen.findings[0].advice.split()[0] in panel
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert _("y: yes · n or Esc: no") in assert_dialog_whole(app)
        await pilot.press("n", "ctrl+o")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PhrasePicker)
        assert _("Enter: insert at the cursor · Esc: cancel") in assert_dialog_whole(app)
        dated = next(number for number, (key, _label) in enumerate(picker.choices) if "{date}" in picker.texts[key])
        await pilot.press(*["j"] * dated, "enter")
        await pilot.pause()
        assert _("Enter: use this date · Esc: cancel") in assert_dialog_whole(app)
        await pilot.press("escape", "ctrl+f")
        await pilot.pause()
        assert _("Enter: save · Esc: cancel") in assert_dialog_whole(app)
        await pilot.press("escape", "f1")
        await pilot.pause()
        help_text = await whole_help(app, pilot)
        for description in ("Save", "Phrases", "Next warning", "Copy to clipboard", "Save to a file"):
            assert _(description) in help_text, description


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_title_with_a_search_still_running_keeps_its_order_whole_at_80_columns(language: str) -> None:
    """The demo desk searched and tagged, as the fit test leaves it: where it does not all fit, what goes
    first is "searching…" (the count of matches still grows), never the order. (The fit test itself meets
    this only when the body search is slower than the screen.)"""
    i18n.set_language(language)
    facts = TitleFacts("all", 48, 16, True, 3, 0, DEFAULT_SORT, False, "")
    title = title_line(facts, 78).plain
    assert cell_len(title) <= 78, title
    assert title.endswith(sort_name(DEFAULT_SORT, False)), title
    assert "…" not in title.replace(_("searching…"), ""), title


@pytest.fixture
def mailed_store(tmp_path: Path) -> Store:
    """M-1 came by mail with two files; of its four replies one was sent, one refused, one cut short (may
    have been sent) and one not sent yet; then the customer wrote again with a photo."""
    store = Store(tmp_path / "desk")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    files = tuple(
        Attachment(name, kind, size, store.keep_attachment(name.encode()))
        for name, kind, size in (("invoice.pdf", "application/pdf", 12_000), ("note.txt", "text/plain", 512))
    )
    first = make_complaint(
        1, id="M-1", message_id="m1@shop.example", received=now - timedelta(hours=5), attachments=files
    )
    store.add_mail([first], [])
    replies = [
        store.add_reply("M-1", f"Reply {number}.", "hr", "anna", at=now - timedelta(hours=5 - number))
        for number in range(1, 5)
    ]
    for number, ending in enumerate(("sent", "refused", "cut short"), start=1):
        claim = store.begin_sending(replies[number - 1].id, "M-1", f"r{number}@shop.example", "anna")
        if ending == "sent":
            store.finish_sending(claim, "smtp", now - timedelta(hours=4))
        else:
            problem = "mail.shop.example refused the address c1@example.com: 550 no such user"
            store.abandon_sending(claim, problem if ending == "refused" else "timed out", uncertain=ending != "refused")
    photo = Attachment("photo.jpg", "image/jpeg", 1_500_000, store.keep_attachment(b"JPG"))
    at = now - timedelta(minutes=30)
    later = CustomerMessage("f1@customer.example", "M-1", "Still nothing.", at, "Re: x", (photo,))
    store.add_mail([], [later])
    return store


def conversation_text(app: ConsoleApp) -> str:
    """The conversation pane as shown, its wrapped lines joined again (borders and scroll bar left out)."""
    region = app.screen.query_one(Conversation).region
    shown = lines(app)[region.y : region.bottom]
    inside = [line[region.x : region.right].strip("█▌▐▁▂▃▄▅▆▇ ") for line in shown]
    return " ".join(" ".join(inside).split())


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_mailed_complaint_its_follow_up_files_and_send_states_fit_80x24(
    mailed_store: Store, playbooks: Playbooks, language: str
) -> None:
    i18n.set_language(language)
    states = mailed_store.send_states("M-1")
    replies = mailed_store.replies("M-1")
    assert len(states) == 3 and len(replies) == 4
    later = mailed_store.customer_messages("M-1")
    complaint = mailed_store.complaint("M-1")
    expected = [send_state(states.get(reply.id)) for reply in replies]
    expected += [attachment_line(number, file) for number, file in enumerate(numbered(complaint, later), start=1)]
    expected.append(
        _("Customer · {customer} · {at}").format(customer="Customer 1", at=format_moment(later[0].at, width="short"))
    )
    app = make_app(mailed_store, playbooks, language=language, agent="anna")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
        conversation = app.screen.query_one(Conversation)
        await pilot.press("tab")  # from the checklist to the conversation, which pages down
        await pilot.pause()
        assert conversation.has_focus
        await pilot.press("home")
        await pilot.pause()
        assert_keys_line_whole(app)
        pages = [conversation_text(app)]
        while conversation.scroll_y < conversation.max_scroll_y:
            await pilot.press("pagedown")
            await pilot.pause()
            pages.append(conversation_text(app))
        shown = " ".join(pages)
        assert "…" not in shown, shown
        for words in expected:
            assert " ".join(words.split()) in shown, (words, shown)
        await pilot.press("question_mark")
        await pilot.pause()
        assert _("Send replies by mail") in await whole_help(app, pilot)
