"""End to end in a real terminal: tmux at 80×24, keys sent as a person types them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.tmux

if shutil.which("tmux") is None:
    if os.environ.get("CI"):
        raise RuntimeError("tmux is required for the end-to-end tests; .ci/run installs it")
    pytest.skip("tmux is not installed", allow_module_level=True)

COMPLAINTS = [
    {
        "id": "E-1",
        "received": "2026-11-20T08:00:00+00:00",
        "customer_name": "Aino Aalto",
        "customer_email": "aino@example.fi",
        "channel": "email",
        "language": "fi",
        "kind": "cancellation",
        "subject": "Liittymän irtisanominen",
        "body": "Haluan irtisanoa liittymäni kuun lopussa.",
    },
    {
        "id": "E-2",
        "received": "2026-11-19T08:00:00+00:00",
        "customer_name": "Mallory \u001b]2;hacked\u0007",
        "customer_email": "m@example.com",
        "channel": "web",
        "language": "en",
        "kind": "complaint",
        "subject": "[bold]Refund[/bold] \u001b[2J",
        "body": "Pay me \u001b]52;c;ZXZpbA==\u0007 now.",
    },
]


def tmux(socket: str, *args: str, check: bool = True, output: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a tmux command on the server at `socket`. The server forks from the client that starts it and keeps
    that client's stdout: starting it with a pipe there would tie its life to the pipe, so `output=False`."""
    return subprocess.run(
        ["tmux", "-L", socket, "-f", "/dev/null", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if output else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        check=check,
    )


class Terminal:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.session = "desk"
        self.socket = f"agent-console-test-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        """A tmux server of each test's own: its options never touch the user's tmux, nor another test's
        (tests run in parallel)."""

    def tmux(self, *args: str, check: bool = True, output: bool = True) -> subprocess.CompletedProcess[str]:
        return tmux(self.socket, *args, check=check, output=output)

    def start(self, *args: str, size: tuple[int, int] = (80, 24), **variables: str) -> None:
        command = " ".join([sys.executable, "-m", "console", "--data-dir", str(self.data_dir), *args])
        command += f"; echo $? > {self.data_dir / 'exit-status'}"
        # COLUMNS and LINES left to the terminal: where exported (pytest's may be), they override its size
        env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "COLUMNS": "0", "LINES": "0", **variables}
        environment = [f"-e{key}={value}" for key, value in env.items()]
        width, height = (str(number) for number in size)
        size_options = ["-x", width, "-y", height]
        self.tmux("new-session", "-d", *size_options, "-s", self.session, *environment, command, output=False)
        self.tmux("set-option", "-s", "escape-time", "0")  # Esc then q must not arrive as Alt+q

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", self.session, key)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session, check=False).stdout

    def styled_screen(self) -> str:
        """The screen with its colours and styles as escape sequences."""
        return self.tmux("capture-pane", "-p", "-e", "-t", self.session, check=False).stdout

    def title(self) -> str:
        return self.tmux("display-message", "-p", "-t", self.session, "#{pane_title}").stdout.strip()

    def wait_for(self, *texts: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{texts!r} not on screen:\n{screen}")

    def wait_gone(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.tmux("has-session", "-t", self.session, check=False).returncode != 0:
                return
            time.sleep(0.2)
        raise AssertionError("the app did not quit")

    def stop(self) -> None:
        self.tmux("kill-server", check=False)
        folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (folder / self.socket).unlink(missing_ok=True)


@pytest.fixture
def terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Terminal]:
    data_dir = tmp_path / "desk"
    source = tmp_path / "complaints.json"
    source.write_text(json.dumps(COMPLAINTS), encoding="utf-8")
    status, _out, err = run_cli(capsys, "import", str(source), "--data-dir", str(data_dir))  # in-process: quicker
    assert status == 0, err
    term = Terminal(data_dir)
    yield term
    term.stop()


def test_tick_and_note_in_finnish_survive_a_restart_and_show_in_every_language(terminal: Terminal) -> None:
    terminal.start("--lang", "fi", "--agent", "mari")
    terminal.wait_for("Saapuneet", "Liittymän irtisano")  # at 80 columns the subject is cut beside "kiireellinen"
    terminal.keys("Enter")
    terminal.wait_for("Kuittaa", "[ ] 1.")
    terminal.keys("1")
    terminal.wait_for("[x] 1.", "1/5")
    terminal.keys("n")
    terminal.type("Soitin asiakkaalle")
    terminal.keys("C-s")  # in the note editor Enter is a new line; ctrl+s saves
    terminal.wait_for("Soitin asiakkaalle", "mari ·")
    terminal.keys("Escape", "q")
    terminal.wait_gone()

    expected = {
        "fi": ("Saapuneet", "Kuittaa", "Tila: avoin"),
        "et": ("Postkast", "Linnuta samm", "Olek: avatud"),
        "hr": ("Ulazni pretinac", "Kvačica", "Status: otvorena"),
        "en": ("Inbox", "Tick step", "Status: open"),
    }
    for language, (inbox_title, footer_label, state) in expected.items():
        terminal.start("--lang", language)
        terminal.wait_for(inbox_title, "1/5")
        terminal.keys("Enter")
        screen = terminal.wait_for(footer_label, state, "[x] 1.", "Soitin asiakkaalle", "mari")
        assert "Liittymän irtisanominen" in screen
        terminal.keys("q")  # on a complaint q goes back, as in mutt and aerc
        terminal.wait_for(inbox_title)
        terminal.keys("q")
        terminal.wait_gone()


def test_hostile_text_neither_sets_the_title_nor_clears_the_screen(terminal: Terminal) -> None:
    terminal.start("--lang", "en")
    terminal.wait_for("Inbox", "[bold]Refund[/bold]")
    terminal.keys("j", "Enter")
    screen = terminal.wait_for("Pay me", "now.", "[bold]Refund[/bold]")
    assert "Mallory" in screen and "hacked" not in screen
    assert "hacked" not in terminal.title()
    terminal.keys("q", "q")  # back to the inbox, then quit
    terminal.wait_gone()


def test_keys_typed_ahead_of_quitting_open_nothing(terminal: Terminal) -> None:
    terminal.start("--lang", "fi")
    terminal.wait_for("Saapuneet")
    terminal.type("qn?")  # q quits; n (open a complaint) and ? arrive while it is quitting
    terminal.wait_gone()
    assert (terminal.data_dir / "exit-status").read_text().strip() == "0"


def _colours(styled: str) -> set[str]:
    """The colour parameters of every SGR sequence on a captured screen."""
    import re

    found = set()
    for parameters in re.findall(r"\x1b\[([0-9;]*)m", styled):
        numbers = parameters.split(";")
        index = 0
        while index < len(numbers):
            number = numbers[index]
            if number in ("38", "48"):
                found.add(";".join(numbers[index : index + (5 if numbers[index + 1] == "2" else 3)]))
                index += 5 if numbers[index + 1] == "2" else 3
                continue
            if number and (30 <= int(number) <= 49 or 90 <= int(number) <= 107) and number not in ("39", "49"):
                found.add(number)
            index += 1
    return found


def test_no_color_shows_no_colour_and_the_cursor_and_tags_still_show(terminal: Terminal) -> None:
    terminal.start("--lang", "en", NO_COLOR="1")
    terminal.wait_for("Inbox", "[6 All 2]")
    terminal.keys("t")
    screen = terminal.wait_for("1 tagged")
    styled = terminal.styled_screen()
    assert _colours(styled) == set()
    assert "›" in screen and "*" in screen and "[6 All 2]" in screen  # marks, not colours, say where and what
    terminal.keys("q")
    terminal.wait_gone()


def test_at_40x12_without_colour_the_checklist_shows_its_steps_and_a_dialogs_choice_is_reversed(
    terminal: Terminal,
) -> None:
    terminal.start("--lang", "en", size=(40, 12), NO_COLOR="1")
    terminal.wait_for("sorted by ↓ status, newest")  # at 40 columns the title keeps the order, not "Inbox"
    terminal.keys("Enter")
    screen = terminal.wait_for("Status:", "›[ ] 1. Apologise", "2. Ask why")  # the current step and the next
    assert all(len(line) <= 40 for line in screen.splitlines())
    terminal.keys("b", "j")
    terminal.wait_for("› Upset customer")
    styled = terminal.styled_screen()
    assert _colours(styled) == set()
    assert "\x1b[1;7m› Upset customer" in styled or "\x1b[7;1m› Upset customer" in styled
    terminal.keys("Escape", "q", "q")
    terminal.wait_gone()


def test_sixteen_colours_use_only_the_basic_palette(terminal: Terminal) -> None:
    terminal.start("--lang", "en", TEXTUAL_COLOR_SYSTEM="standard")
    terminal.wait_for("Inbox", "[6 All 2]")
    colours = _colours(terminal.styled_screen())
    assert colours, "some colour is expected"
    assert all(";" not in colour for colour in colours), colours  # no 256-colour or true-colour codes
    terminal.keys("q")
    terminal.wait_gone()


@pytest.mark.slow
def test_a_desk_of_100k_opens_at_80x24_and_moves_around(tmp_path: Path) -> None:
    data_dir = tmp_path / "big"
    subprocess.run(
        [sys.executable, "-m", "console", "seed", "--count", "100000", "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
    )
    terminal = Terminal(data_dir)
    try:
        terminal.start("--lang", "en")
        screen = terminal.wait_for("[6 All 100K]", "100,000 shown", timeout=60)
        assert all(len(line) <= 80 for line in screen.splitlines())
        terminal.keys("G")
        terminal.wait_for("resolved")
        terminal.keys("g", "4")  # the Waiting view
        terminal.wait_for("[4 Waiting")
        terminal.keys("f")
        terminal.type("lang:hr status:waiting")
        screen = terminal.wait_for("shown")
        assert "hr " in screen
        terminal.type(" postovani")  # only in messages ("Poštovani,"): they are searched once typing pauses
        terminal.wait_for("searching…")
        deadline = time.monotonic() + 60
        while "searching…" in (screen := terminal.screen()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "searching…" not in screen and "Nothing matches" not in screen and "hr " in screen, screen
        assert all(len(line) <= 80 for line in screen.splitlines())
        terminal.keys("Enter", "j", "j", "Enter")
        terminal.wait_for("Status: waiting")
        terminal.keys("Escape", "q")
        terminal.wait_gone()
    finally:
        terminal.stop()


CROATIAN = {
    "id": "E-3",
    "received": "2026-11-21T08:00:00+00:00",
    "customer_name": "Ivana Horvat",
    "customer_email": "ivana@example.hr",
    "channel": "email",
    "language": "hr",
    "kind": "complaint",
    "subject": "Pogrešan račun",
    "body": "Naplatili ste mi dvaput.",
}


def test_a_reply_in_croatian_with_the_ui_in_finnish_warns_saves_and_is_there_after_a_restart(
    terminal: Terminal,
) -> None:
    from console import i18n, phrases
    from console.i18n import _

    source = terminal.data_dir.parent / "croatian.json"
    source.write_text(json.dumps([CROATIAN]), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "console", "import", str(source), "--data-dir", str(terminal.data_dir)],
        check=True,
        capture_output=True,
    )
    i18n.set_language("fi")
    title = _("Reply in {language}").format(language="kroatia")
    kind = phrases.kind_name("contract")
    saved_label = _("Reply ({language}) · {author} · {at}").split(" · ")[0].format(language="kroatia")
    picker_hint = _("Enter: insert at the cursor · Esc: cancel")

    terminal.start("--lang", "fi", "--agent", "maija")
    terminal.wait_for("Saapuneet", "Pogrešan račun")  # the newest, under the cursor
    terminal.keys("r")
    terminal.wait_for(title, "E-3", "Ivana Horvat")
    terminal.type("Postovana gospodo Horvat, prema uvjetima ugovora ne mozemo vratiti novac.")
    screen = terminal.wait_for(kind, "prema uvjetima ugovora")
    assert "1:" in screen  # where it is: line and column
    for key in ("C-o", "F2"):  # the phrase picker, by either key, through tmux
        terminal.keys(key)
        terminal.wait_for(picker_hint)
        terminal.keys("Escape")
        deadline = time.monotonic() + 10
        while picker_hint in terminal.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert picker_hint not in terminal.screen()
    terminal.keys("C-s")
    terminal.wait_for("«prema uvjetima ugovora»")  # the warnings once more before it is saved
    terminal.keys("k")  # kyllä
    terminal.wait_for(saved_label, "ne mozemo vratiti novac")  # back on the complaint, in its conversation
    terminal.keys("C-q")
    terminal.wait_gone()

    terminal.start("--lang", "fi")
    terminal.wait_for("Saapuneet", "Pogrešan račun")
    terminal.keys("Enter")
    screen = terminal.wait_for(saved_label, "maija", "ne mozemo vratiti novac")
    assert "Naplatili ste mi dvaput." in screen  # the customer's message above it
    terminal.keys("q", "q")
    terminal.wait_gone()
