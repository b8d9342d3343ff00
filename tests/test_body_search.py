"""Search and filter look in what the customers wrote too: on a worker, rows added as found, typing never
waits for it, and a result for a query no longer on screen is dropped."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console import body_search
from console.body_search import fold_lines
from console.playbooks import Playbooks
from console.query import fold
from console.store import Store
from console.store.bodies import ShardBodies, body_path, shard_bodies
from console.widgets.inbox_list import InboxList
from tests.conftest import make_app, make_complaint, notifications, screen_text

BODIES = {
    1: "The parcel arrived crushed and the ČOKOLADA inside had melted.\n\nKind regards",
    2: "Tilaus on MYÖHÄSSÄ jo kolme\npäivää, eikä kukaan vastaa. Pyydän hyvitystä.",
    3: "Alpha and omega.",
    4: "Beta testing went wrong.",
}


@pytest.fixture
def desk(tmp_path: Path) -> Store:
    """T-1…T-4 ("Customer N", "Subject N"), words only their bodies hold; T-4 newest."""
    store = Store(tmp_path / "desk")
    store.add_complaints([make_complaint(number, body=body) for number, body in BODIES.items()])
    return store


def shown(app) -> list[str]:  # type: ignore[no-untyped-def]
    listing = app.screen.query_one(InboxList)
    return [listing.row(position).id for position in range(listing.count)]


def current(app) -> str | None:  # type: ignore[no-untyped-def]
    return app.screen.query_one(InboxList).current_id


async def until(pilot, condition: Callable[[], bool], tries: int = 500) -> None:  # type: ignore[no-untyped-def]
    """Wait, a frame at a time, for `condition` (the body search runs on a worker thread)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the condition never came true")


class Gate:
    """Where body searches wait before reading a shard's bodies, until the test opens it."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def wait(self) -> None:
        self.reached.set()
        assert self.opened.wait(timeout=30), "the gate was never opened"


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate()
    read = body_search.shard_bodies

    def gated(store: Store, number: int, fold: Callable[[list[str]], bytes]) -> ShardBodies:
        gate.wait()
        return read(store, number, fold)

    monkeypatch.setattr(body_search, "shard_bodies", gated)
    yield gate
    gate.opened.set()  # no worker is left waiting after the test


async def test_a_word_only_in_a_body_finds_the_complaint_in_filter_and_search(
    desk: Store, playbooks: Playbooks
) -> None:
    app = make_app(desk, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", *"melted")
        await until(pilot, lambda: shown(app) == ["T-1"])
        await pilot.press("enter", "escape")
        assert len(shown(app)) == 4
        await pilot.press("slash", *"omega")
        await until(pilot, lambda: current(app) == "T-3")
        assert len(shown(app)) == 4 and "1 match" in screen_text(app)
        await pilot.press("enter", "g", "n")  # n finds the body match from the top too
        assert current(app) == "T-3"


async def test_bodies_are_matched_without_case_or_diacritics_and_a_phrase_spans_a_line_break(
    desk: Store, playbooks: Playbooks
) -> None:
    app = make_app(desk, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", *"cokolada")
        await until(pilot, lambda: shown(app) == ["T-1"])
        await pilot.press("ctrl+u", *"Myohassa")
        await until(pilot, lambda: shown(app) == ["T-2"])
        await pilot.press("ctrl+u", *'"KOLME PÄIVÄÄ"')
        await until(pilot, lambda: shown(app) == ["T-2"])
        await pilot.press("ctrl+u", *'hyvitysta "subject 2"')  # one word in the body, one in the subject
        await until(pilot, lambda: shown(app) == ["T-2"])
        await pilot.press("ctrl+u", *'hyvitysta "subject 1"')
        await app.workers.wait_for_complete()
        await until(pilot, lambda: "searching…" not in screen_text(app))
        assert shown(app) == []


async def test_a_row_the_filter_finds_in_a_body_is_a_match_of_a_search_that_finds_it_in_a_body_too(
    desk: Store, playbooks: Playbooks
) -> None:
    app = make_app(desk, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"omega", "enter")  # T-3's body
        await until(pilot, lambda: "1 match" in screen_text(app))
        await pilot.press("f", *"alpha")  # T-3's body too: the filter shows it once its bodies are read
        await until(pilot, lambda: shown(app) == ["T-3"] and "searching…" not in screen_text(app))
        assert "1 match" in screen_text(app) and current(app) == "T-3"


async def test_typing_goes_on_while_the_bodies_are_searched(desk: Store, playbooks: Playbooks, gate: Gate) -> None:
    app = make_app(desk, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", *"customer")
        await until(pilot, gate.reached.is_set)  # typing paused: the bodies are being searched
        await pilot.press(*" 2")  # the id, customer and subject answer at once
        assert shown(app) == ["T-2"] and "searching…" in screen_text(app)
        await pilot.press("ctrl+u", *"wrong")
        assert shown(app) == [] and "searching…" in screen_text(app)
        gate.opened.set()
        await until(pilot, lambda: shown(app) == ["T-4"])
        await until(pilot, lambda: "searching…" not in screen_text(app))


async def test_a_body_result_for_a_query_no_longer_shown_is_dropped(
    desk: Store, playbooks: Playbooks, gate: Gate
) -> None:
    app = make_app(desk, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", *"alpha")  # in T-3's body
        await until(pilot, gate.reached.is_set)  # its search waits at the gate
        await pilot.press("ctrl+u", *"beta")  # in T-4's body
        assert shown(app) == []
        gate.opened.set()  # the search for "alpha" reads its bodies now, and hands back T-3: too late
        await app.workers.wait_for_complete()
        await until(pilot, lambda: "searching…" not in screen_text(app))
        assert shown(app) == ["T-4"]
        await pilot.press("escape", "escape")  # out of the field, then the filter cleared
        assert len(shown(app)) == 4


async def test_a_reload_keeps_the_rows_the_bodies_gave_while_it_searches_them_again(
    desk: Store, playbooks: Playbooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(desk, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", *"melted")
        await until(pilot, lambda: shown(app) == ["T-1"])
        opened = threading.Event()
        read = body_search.shard_bodies

        def gated(store: Store, number: int, fold: Callable[[list[str]], bytes]) -> ShardBodies:
            opened.wait(timeout=30)
            return read(store, number, fold)

        monkeypatch.setattr(body_search, "shard_bodies", gated)
        try:
            Store(desk.directory).set_field("T-1", "status", "waiting", "bob")  # another agent: the inbox reloads
            listing = app.screen.query_one(InboxList)
            await until(pilot, lambda: listing.count == 0 or listing.row(0).status_key == "waiting", tries=600)
            assert shown(app) == ["T-1"] and "searching…" not in screen_text(app)
        finally:
            opened.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert shown(app) == ["T-1"]


async def test_a_damaged_messages_file_is_named_once_and_the_rest_is_still_found(
    desk: Store, playbooks: Playbooks
) -> None:
    (desk.directory / "messages" / "00000.json").write_text("{not json")
    app = make_app(desk, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f", *"subject 3")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: any("00000.json is damaged" in text for text in notifications(app)))
        assert shown(app) == ["T-3"]
        assert sum("00000.json is damaged" in text for text in notifications(app)) == 1


def test_a_shards_body_file_is_kept_and_made_again_when_its_messages_change(desk: Store) -> None:
    bodies = shard_bodies(desk, 0, fold_lines)
    assert bodies.ids == ["T-1", "T-2", "T-3", "T-4"]
    assert b"cokolada inside had melted.  kind regards" in bodies.text.split(b"\n")[0]
    path = body_path(desk, 0)
    assert path.is_file() and shard_bodies(desk, 0, fold_lines) == bodies
    desk.add_complaints([make_complaint(5, body="Gamma ray")])  # the same shard: its messages file is rewritten
    assert shard_bodies(desk, 0, fold_lines).text.split(b"\n")[4] == b"gamma ray"
    path.write_bytes(b'{"format": 1, "source": "x", "ids": []}\nforged')  # a damaged or forged one is not used
    assert shard_bodies(desk, 0, fold_lines).ids[4] == "T-5"


def test_a_symlink_or_fifo_in_place_of_a_body_file_is_never_followed_nor_waited_on(desk: Store, tmp_path: Path) -> None:
    path = body_path(desk, 0)
    path.parent.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("theirs")
    path.symlink_to(elsewhere)
    assert shard_bodies(desk, 0, fold_lines).ids[0] == "T-1"
    assert elsewhere.read_text() == "theirs" and not path.is_symlink()
    path.unlink()
    os.mkfifo(path)
    assert shard_bodies(desk, 0, fold_lines).ids[0] == "T-1"  # returned at all: the fifo was not opened to wait


def test_bodies_fold_exactly_as_the_query_words_do() -> None:
    texts = [
        "ÄÄNI, Õun, Šešir, ŽUTO, Čokolada, Ćevapi, Đurđa",
        "Straße İstanbul ΣΟΦΟΣ ﬁne Ａ Ⅻ e\u0301 o\u0323\u0302 ŉ",  # casefold, compatibility, decomposed marks
        "emoji 😤 – 5 € × 3, \u05d1\u05b0\u05b4 Привет",
        "tab\tand\r\nbreaks, a NUL\x00 and a \x1f unit separator",
        "",
    ]
    folded = fold_lines(texts).split(b"\n")
    assert len(folded) == len(texts)
    for text, line in zip(texts, folded, strict=True):
        expected = fold(text).replace("\x00", " ")
        for space in "\t\n\r":
            expected = expected.replace(space, " ")
        assert line == expected.encode("utf-8"), text
