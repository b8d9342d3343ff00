"""The first-response clock: due = received + the priority's target; overdue only while the clock runs (open,
no reply) and past due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.response_clock import DEFAULT_TARGETS, first_response_due, is_overdue

RECEIVED = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def test_due_is_received_plus_the_target_of_the_priority() -> None:
    assert first_response_due(RECEIVED, "urgent", {}) == RECEIVED + timedelta(hours=1)
    assert first_response_due(RECEIVED, "high", {}) == RECEIVED + timedelta(hours=4)
    assert first_response_due(RECEIVED, "normal", DEFAULT_TARGETS) == RECEIVED + timedelta(hours=24)
    assert first_response_due(RECEIVED, "low", {}) == RECEIVED + timedelta(hours=72)


def test_configured_targets_override_the_defaults_one_by_one() -> None:
    targets = {"urgent": timedelta(minutes=30)}
    assert first_response_due(RECEIVED, "urgent", targets) == RECEIVED + timedelta(minutes=30)
    assert first_response_due(RECEIVED, "high", targets) == RECEIVED + timedelta(hours=4)


def test_overdue_once_past_due_with_no_reply_while_open() -> None:
    due = first_response_due(RECEIVED, "urgent", {})
    assert not is_overdue("open", None, due, due)
    assert is_overdue("open", None, due, due + timedelta(seconds=1))


def test_waiting_resolved_or_answered_is_never_overdue() -> None:
    due = first_response_due(RECEIVED, "urgent", {})
    late = due + timedelta(days=30)
    assert not is_overdue("waiting", None, due, late)
    assert not is_overdue("resolved", None, due, late)
    assert not is_overdue("open", RECEIVED + timedelta(hours=5), due, late)  # answered late: no longer owed
