"""The inbox's query language, over an index of a small desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console import i18n
from console.playbooks import Playbooks
from console.query import QueryError, fold, fold_many, parse
from console.store import Store
from tests.conftest import make_complaint

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def desk(tmp_path: Path) -> Store:
    store = Store(tmp_path / "desk")
    store.add_complaints(
        [
            make_complaint(1, subject="Čokolada je stigla otopljena", language="hr", received=NOW - timedelta(days=3)),
            make_complaint(
                2, subject="Tilaus myöhässä", language="fi", kind="upset", received=NOW - timedelta(hours=2)
            ),
            make_complaint(3, customer_name="Ülle Õunapuu", language="et", received=NOW - timedelta(minutes=30)),
            make_complaint(4, subject='Refund "now"', priority="urgent", received=NOW - timedelta(hours=3)),
        ]
    )
    store.set_field("T-1", "assignee", "anna", "anna")
    store.set_field("T-2", "assignee", "bob", "bob")
    store.set_field("T-2", "status", "waiting", "bob")
    store.set_field("T-4", "status", "resolved", "anna")
    return store


def ids(
    store: Store, text: str, playbooks: Playbooks, agent: str = "anna", tagged: set[str] = frozenset()
) -> list[str]:
    index = store.inbox()
    query = parse(text, playbooks.kinds(), agent, index)
    rows = query.rows(
        index, sorted(range(len(index)), key=index.ids.__getitem__), index.haystacks(fold_many), NOW, tagged
    )
    return [index.ids[row] for row in rows]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["T-1", "T-2", "T-3", "T-4"]),
        ("cokolada", ["T-1"]),  # diacritics and case never matter
        ("MYOHASSA", ["T-2"]),
        ("ulle ounapuu", ["T-3"]),
        ('"refund now"', []),  # a phrase is matched whole
        ('refund "now"', ["T-4"]),
        ("status:open", ["T-1", "T-3"]),
        ("status:open,waiting", ["T-1", "T-2", "T-3"]),
        ("-status:open", ["T-2", "T-4"]),
        ("!status:resolved lang:fi", ["T-2"]),
        ("kind:upset", ["T-2"]),
        ("prio:urgent", ["T-4"]),
        ("agent:me", ["T-1"]),
        ("agent:BOB", ["T-2"]),
        ("agent:none", ["T-3", "T-4"]),
        ("via:email status:open subject", ["T-3"]),
        ("overdue", ["T-1"]),  # normal priority is due in a day: T-1 is 3 days old, T-2 2 h; T-4 is resolved
        ("age:>2d", ["T-1"]),  # received 3 days, 2 h, 30 min and 3 h before NOW
        ("age:>1h", ["T-1", "T-2", "T-4"]),
        ("age:<1h", ["T-3"]),
        ("-age:>150m", ["T-2", "T-3"]),  # not older than 2.5 h
        ("status:waiting age:>1h", ["T-2"]),
        ("age:>1w", []),
    ],
)
def test_queries_keep_what_they_say(desk: Store, playbooks: Playbooks, text: str, expected: list[str]) -> None:
    assert ids(desk, text, playbooks) == expected


def test_tagged_keeps_the_tagged(desk: Store, playbooks: Playbooks) -> None:
    assert ids(desk, "tagged", playbooks, tagged={"T-2", "T-4"}) == ["T-2", "T-4"]


def test_values_may_be_written_in_the_current_language(desk: Store, playbooks: Playbooks) -> None:
    i18n.set_language("fi")
    assert ids(desk, "status:odottaa", playbooks) == ["T-2"]
    assert ids(desk, "status:waiting", playbooks) == ["T-2"]
    i18n.set_language("hr")
    assert ids(desk, 'status:"na cekanju" prio:normalan', playbooks) == ["T-2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unclosed', "A quote is not closed."),
        ("colour:red", "Unknown field colour"),
        ("status:", "status: needs a value."),
        ("status:maybe", "status:maybe is not known; try open, resolved, waiting."),
        ("lang:de", "lang:de is not known"),
        ("kind:teapot", "kind:teapot is not known"),
        ("age:14d", "age:14d is not an age; try age:>14d"),
        ("age:>14y", "age:>14y is not an age"),
        ("colour:red", "use age, agent, kind"),
    ],
)
def test_a_malformed_query_says_what_is_wrong(desk: Store, playbooks: Playbooks, text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(")):
        parse(text, playbooks.kinds(), "anna", desk.inbox())


def test_fold_drops_case_and_diacritics() -> None:
    assert fold("Čokolada MYÖHÄSSÄ Õun ß") == "cokolada myohassa oun ss"


def test_fold_many_folds_each_text_as_fold_does() -> None:
    texts = ["Čokolada", "MYÖHÄSSÄ", "Đuro Đaković", "Straße", "plain", "", "x\x1fy", "Ωμέγα", "ﬁne"]
    assert fold_many(texts) == [fold(text.replace("\x1f", " ")) for text in texts]
    assert fold_many(["Ülle Õunapuu", "Tõnu"]) == ["ulle ounapuu", "tonu"]


def test_an_age_typed_on_narrows_the_filter_before(desk: Store, playbooks: Playbooks) -> None:
    index = desk.inbox()
    loose = parse("status:open", playbooks.kinds(), "anna", index)
    tight = parse("status:open age:>1d", playbooks.kinds(), "anna", index)
    assert tight.narrows(loose) and not loose.narrows(tight) and not tight.empty


def test_a_query_typed_on_narrows_the_one_before() -> None:
    from console.query import Condition, Query

    status = Condition("status", frozenset({"open"}))
    assert Query((status,), ("refun",)).narrows(Query((status,), ("ref",)))
    assert Query((status, Condition("language", frozenset({"fi"}))), ()).narrows(Query((status,), ()))
    assert not Query((), ("refund",)).narrows(Query((status,), ("refund",)))
    assert not Query((status,), ("re",)).narrows(Query((status,), ("ref",)))
    assert not Query((), (), tagged=True).narrows(Query((), (), tagged=True))  # tags change between keys


@pytest.mark.parametrize(
    "text", ["status:open lang:fi a", "overdue prio:high,urgent la", "-status:resolved ti la", "kind:upset e r"]
)
def test_a_filter_typed_key_by_key_keeps_what_it_keeps_typed_at_once(
    tmp_path: Path, playbooks: Playbooks, text: str
) -> None:
    """Typed on, a filter looks only at what the one before kept, and asks nothing it already asked."""
    from console.inbox_model import InboxModel
    from console.query import Query
    from console.seeding import seed_store
    from console.views import DEFAULT_SORT, DEFAULT_VIEW

    store = Store(tmp_path / "seeded")
    seed_store(store, 600, 3, playbooks)
    index = store.inbox(lambda _done, _total: None)
    typed = InboxModel(index, playbooks, "anna", NOW)
    for end in range(1, len(text) + 1):
        try:
            query = parse(text[:end], playbooks.kinds(), "anna", index)
        except QueryError:
            continue  # "status:op" is no query yet
        typed.arrange(DEFAULT_VIEW, DEFAULT_SORT, False, query, Query(), ())
    at_once = InboxModel(index, playbooks, "anna", NOW)
    at_once.arrange(DEFAULT_VIEW, DEFAULT_SORT, False, parse(text, playbooks.kinds(), "anna", index), Query(), ())
    assert typed.order == at_once.order and 0 < len(at_once.order) < 600


def test_the_keywords_are_english_so_their_translations_are_words_to_find(desk: Store, playbooks: Playbooks) -> None:
    i18n.set_language("fi")
    assert ids(desk, "myohassa", playbooks) == ["T-2"]  # "Tilaus myöhässä": a word, not the Overdue keyword
    assert ids(desk, "overdue", playbooks) == ["T-1"]  # the keyword itself is English in every language
