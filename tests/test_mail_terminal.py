"""The mail flow end to end in a real terminal: `import --watch` on a Maildir in the background, the TUI open in
tmux at 80×24, mail delivered into new/ as an MDA does (written in tmp/, then renamed), a reply sent from the
editor to a real SMTP server, and the customer's answer to it reopening the complaint.

How soon a mail shows (the README's 2 s) is measured by benchmarks/mail_arrival.py, not here: these wait as long
as a slow machine needs."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.i18n import _, set_language
from console.store import Store
from tests.mail_samples import encoded, mail, write_maildir
from tests.mail_server import Keeper, mail_config, smtp_server
from tests.test_mail_watch import command, environment, eventually
from tests.test_terminal import Terminal

pytestmark = [pytest.mark.tmux, pytest.mark.xdist_group("many-processes")]
WAIT = 60.0
"""Seconds a step may take on a slow CI machine (the app does it in well under two)."""


def deliver(maildir: Path, raw: bytes, name: str) -> None:
    """As a mail delivery program does: the whole file in tmp/, then renamed into new/."""
    (maildir / "tmp" / name).write_bytes(raw)
    os.rename(maildir / "tmp" / name, maildir / "new" / name)


class Desk:
    """A Maildir watched by `import --watch` in the background, and the desk it fills."""

    def __init__(self, tmp_path: Path, first: bytes, config: Path | None = None) -> None:
        self.maildir = write_maildir(tmp_path / "Maildir", [first])
        self.data_dir = tmp_path / "desk"
        options = ["--config", str(config)] if config else []
        self.watcher = subprocess.Popen(
            command(*options, "--data-dir", str(self.data_dir), "import", "--watch", str(self.maildir)),
            env=environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        eventually(lambda: self.data_dir.exists() and Store(self.data_dir).complaints(), WAIT)

    def stop(self) -> str:
        self.watcher.terminate()
        try:
            _out, err = self.watcher.communicate(timeout=WAIT)
        finally:
            if self.watcher.poll() is None:
                self.watcher.kill()
                self.watcher.wait()
        return err


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path / "desk")
    yield term
    term.stop()


def test_a_mail_delivered_into_new_shows_in_the_open_inbox(tmp_path: Path, terminal: Terminal) -> None:
    first = mail("Tilaukseni ei ole tullut perille.", subject="Paketti puuttuu", message_id="<fi1@asiakas.fi>")
    desk = Desk(tmp_path, first)
    try:
        terminal.start("--lang", "fi", "--agent", "maija")
        terminal.wait_for("Paketti puuttuu", timeout=WAIT)
        later = mail("Laskussa on väärä summa, korjatkaa se.", subject="Virhe laskussa", message_id="<fi2@asiakas.fi>",
                     sender="Liisa Korhonen <liisa@asiakas.fi>")  # fmt: skip
        deliver(desk.maildir, later, f"{time.time():.0f}.walk.host")
        screen = terminal.wait_for("Virhe laskussa", "Liisa Korhon", timeout=WAIT)
        assert "Paketti puuttuu" in screen  # added to the inbox, nothing else gone
    finally:
        err = desk.stop()
    assert "Traceback" not in err


def test_a_reply_sent_from_the_editor_and_the_customers_answer_reopen_the_complaint(
    tmp_path: Path, terminal: Terminal
) -> None:
    set_language("hr")
    keeper = Keeper()
    ana = f"{encoded('Ana Kovač', 'utf-8')} <ana@kupac.hr>"
    with smtp_server(keeper) as port:
        config = mail_config(tmp_path, port)
        first = mail("Šalica je stigla razbijena.", subject=encoded("Razbijena šalica", "utf-8"),
                     message_id="<hr1@kupac.hr>", sender=ana)  # fmt: skip
        desk = Desk(tmp_path, first, config)
        try:
            terminal.start("--lang", "hr", "--agent", "ivana", "--config", str(config))
            terminal.wait_for("Razbijena šalica", timeout=WAIT)
            terminal.keys("Enter")
            terminal.wait_for("Šalica je stigla razbijena.", timeout=WAIT)
            terminal.keys("r")
            terminal.wait_for(_("Reply in {language}").split("{")[0].strip(), timeout=WAIT)
            terminal.type("Poštovana gospođo Kovač, nova šalica stiže sutra.")
            terminal.keys("C-t")
            sent = _("sent {at}").split("{")[0].strip()
            terminal.wait_for(sent, "stiže sutra.", timeout=WAIT)
            eventually(lambda: keeper.received, WAIT)
            (received,) = keeper.received
            assert received.recipients == ["ana@kupac.hr"] and received.mail["In-Reply-To"] == "<hr1@kupac.hr>"
            terminal.keys("s", "s")  # open → waiting → resolved
            terminal.wait_for(f"{_('Status')}: {_('resolved')}", timeout=WAIT)
            answer = mail("Šalica nije stigla. Kada će stići?", subject="Re: " + encoded("Razbijena šalica", "utf-8"),
                          message_id="<hr2@kupac.hr>", sender=ana, when=datetime.now(UTC),
                          headers=(("In-Reply-To", received.mail["Message-ID"]),))  # fmt: skip
            deliver(desk.maildir, answer, f"{time.time():.0f}.answer.host")
            screen = terminal.wait_for("Kada će stići?", f"{_('Status')}: {_('open')}", timeout=WAIT)
            assert _("answered after {time}").split("{")[0].strip() not in screen  # a reply is owed again
        finally:
            err = desk.stop()
    assert "Traceback" not in err
