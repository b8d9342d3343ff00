"""Shared fixtures: every test gets its own data directory and a fresh language state."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console import i18n
from console.app import ConsoleApp
from console.demo import create_demo_desk
from console.playbooks import Playbooks, load_playbooks
from console.store import Complaint, Store
from console.widgets.status_line import StatusLine


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (the default run): four workers a core, sixteen at most. Most of a test is waiting, not
    working: Textual's pilot sleeps until the app is idle after every key (some 60 ms a key against 3 ms of
    work), tmux and CLI tests wait for other processes; fewer workers leave the cores idle."""
    return min(4 * len(os.sched_getaffinity(0)), 16)


@pytest.fixture(autouse=True)
def english_after_each_test() -> Iterator[None]:
    yield
    i18n.set_language("en")


@pytest.fixture(autouse=True)
def no_config_of_the_machine(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The tests never read the config file of whoever runs them: by default there is none."""
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(tmp_path_factory.getbasetemp() / "no-config.toml"))


@pytest.fixture(scope="session")
def playbooks() -> Playbooks:
    return load_playbooks()


@pytest.fixture
def demo_store(tmp_path: Path, playbooks: Playbooks) -> Store:
    return Store(create_demo_desk(playbooks, tmp_path / "desk"))


# Three days before the test runs, so that the few complaints of a small desk are days old whatever the date
# (a fixed date aged into weeks). Numbers above 72 lie in the future: fine where only the order counts.
RECEIVED_BASE = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=3)


def make_complaint(number: int, **values: object) -> Complaint:
    defaults: dict[str, object] = {
        "id": f"T-{number}",
        "received": RECEIVED_BASE + timedelta(hours=number),
        "customer_name": f"Customer {number}",
        "customer_email": f"c{number}@example.com",
        "channel": "email",
        "language": "en",
        "subject": f"Subject {number}",
        "body": f"Body of complaint {number}.",
        "kind": "cancellation",
    }
    defaults.update(values)
    return Complaint(**defaults)  # type: ignore[arg-type]


@pytest.fixture
def cli_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty desk the command line uses by default ($AGENT_CONSOLE_DATA), its messages in English."""
    directory = tmp_path / "desk"
    monkeypatch.setenv("AGENT_CONSOLE_DATA", str(directory))
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    return directory


@pytest.fixture
def small_store(tmp_path: Path) -> Store:
    """Three complaints of known content: T-3 newest, all open, cancellation playbook (5 steps)."""
    store = Store(tmp_path / "small")
    store.add_complaints([make_complaint(number) for number in (1, 2, 3)])
    return store


def make_app(store: Store, playbooks: Playbooks, language: str = "en", agent: str = "tester") -> ConsoleApp:
    return ConsoleApp(store, playbooks, agent, language)


def screen_text(app: ConsoleApp) -> str:
    """What the terminal shows right now, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notifications(app: ConsoleApp) -> list[str]:
    """The messages the app shows now: its toasts not yet expired, and what the message lines say."""
    lines = [line.message for screen in app.screen_stack for line in screen.query(StatusLine) if line.message]
    return [notification.message for notification in app._notifications] + lines


async def wait_for(pilot: object, condition: Callable[[], object], timeout: float = 30.0) -> None:
    """Let the app run until `condition()` holds: a test never guesses how long a worker or a repaint takes,
    and a slow machine only makes it slower, never wrong. Fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {getattr(condition, '__name__', condition)}")
        await pilot.pause(0.02)  # type: ignore[attr-defined]


async def settle(pilot: object, timeout: float = 10.0) -> None:
    """Let the work the last keys started in the background finish and its answers show: changes stored,
    complaints and the inbox read again, each answer handled (which may start the next: a change's reload).
    A condition, not a pause: a slow machine only makes it slower."""
    app = pilot.app  # type: ignore[attr-defined]

    def idle() -> bool:
        busy = any(not worker.is_finished for worker in app.workers)
        return not busy and not any(getattr(screen, "pending_changes", 0) for screen in app.screen_stack)

    while True:
        await wait_for(pilot, idle, timeout)
        await pilot.pause()  # type: ignore[attr-defined]
        if idle():
            return


@pytest.fixture
def cli_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory the command line uses by default ($AGENT_CONSOLE_DATA), in English whatever the
    machine's locale."""
    directory = tmp_path / "desk"
    monkeypatch.setenv("AGENT_CONSOLE_DATA", str(directory))
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    return directory


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`agent-console ARGS…` in-process: its exit status, stdout and stderr."""
    from console.cli import main

    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err
