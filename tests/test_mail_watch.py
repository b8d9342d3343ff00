"""`import --watch MAILDIR` picks up mail as an MDA delivers it, and an open desk shows mail another process
imported."""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from console.mail_import import mail_complaint_id
from console.mail_watch import MaildirWatch
from console.playbooks import Playbooks
from console.store import Store
from tests.conftest import make_app, screen_text, wait_for
from tests.mail_samples import encoded, mail, write_maildir, write_mbox

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("many-processes")


def eventually(condition: Callable[[], object], timeout: float = 60.0) -> None:
    """Wait for `condition` (another process's work): a slow machine only makes it slower, never wrong."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not true within {timeout} s"
        time.sleep(0.05)


def command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "console", *arguments]


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "LANGUAGE": "en", "LC_ALL": "C.UTF-8"}


def test_watch_imports_mail_as_it_arrives_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    box_path = write_maildir(tmp_path / "Maildir", [mail("There before the watch began.", message_id="<early@x>")])
    desk = tmp_path / "desk"
    watcher = subprocess.Popen(
        command("import", "--watch", str(box_path), "--data-dir", str(desk)),
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def known(*ids: str) -> bool:
            return desk.exists() and len(Store(desk).known_message_ids(ids)) == len(ids)

        eventually(lambda: known("early@x"))
        (box_path / "tmp" / "1733.half.host").write_bytes(b"From: half@x\nMessage-ID: <half@x>\n\nStill being wri")
        box = mailbox.Maildir(box_path, create=False)
        box.add(mail("Tilaukseni ei ole tullut perille, vaikka lupasitte sen eilen.", message_id="<new@x>"))
        seen = mail("Already read by mbsync on another machine.", message_id="<seen@x>")
        (box_path / "cur" / "1733000000.M1P1.host,U=7:2,S").write_bytes(seen)
        eventually(lambda: known("new@x", "seen@x"))
        box.add(mail("Onko tästä uutta?", message_id="<reply@x>", headers=(("In-Reply-To", "<new@x>"),)))
        eventually(lambda: known("reply@x"))
        store = Store(desk)
        assert [message.id for message in store.customer_messages(mail_complaint_id("new@x"))] == ["reply@x"]
        assert store.complaint(mail_complaint_id("new@x")).language == "fi"
        assert not store.known_message_ids(["half@x"])  # tmp/ is never read
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    assert watcher.returncode == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert out.splitlines()[0] == f"Watching {box_path} for new mail; Ctrl-C stops."
    assert "Imported 1 new complaint from mail" in out and "1 follow-up joined its complaint" in out
    assert err.strip() == f"Stopped watching {box_path}."
    assert len(list((box_path / "new").iterdir())) == 3  # left where they were delivered


def test_a_file_gone_between_listing_and_reading_is_read_under_its_new_name(tmp_path: Path) -> None:
    box = write_maildir(tmp_path / "Maildir", [mail("one", message_id="<1@x>")])
    folder = MaildirWatch(box)
    ((_name, file),) = folder.arrived()
    moved = box / "cur" / (file.name + ":2,S")
    file.rename(moved)  # a mail client saw it between the listing and the reading
    assert folder.read([("new/" + file.name, file)]) == []
    again: list[tuple[str, Path]] = []

    def listed_again() -> bool:
        again[:] = folder.arrived()
        return bool(again)

    eventually(listed_again, timeout=10)
    assert again == [("cur/" + moved.name, moved)]
    messages = folder.read(again)
    assert [position.file for position, _raw in messages] == ["cur/" + moved.name]
    folder.imported(messages)
    os.utime(box / "cur", ns=(0, 0))  # whatever the folders' times say now, a file read is not read again
    assert folder.arrived() == []


async def test_an_open_desk_shows_mail_another_process_imported(tmp_path: Path, playbooks: Playbooks) -> None:
    store = Store(tmp_path / "desk")
    box = write_mbox(
        tmp_path / "box.mbox",
        [mail("Paketti ei tullut.", sender=f"{encoded('Väinö Ääpälä', 'utf-8')} <v@x.fi>", subject="Paketti hukassa")],
    )
    app = make_app(store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Paketti hukassa" not in screen_text(app)
        done = subprocess.run(
            command("import", str(box), "--data-dir", str(store.directory)),
            env=environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        await wait_for(pilot, lambda: "Paketti hukassa" in screen_text(app))
        assert "Väinö Ääpälä" in screen_text(app)
