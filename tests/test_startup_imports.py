"""What the TUI imports to start: mail, sending, serving and language detection are for the commands that
use them (each imports its own when it runs), never paid for by an agent opening the desk."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.startup import headless
from console.store import Attachment, CustomerMessage, Store
from tests.conftest import make_complaint

NOT_AT_START = (
    "mailbox", "smtplib", "numpy", "aiohttp", "py3langid", "textual_serve",
    "console.mail_reader", "console.mail_import", "console.mail_watch", "console.html_text",
    "console.language_detection", "console.mail_out", "console.mail_transport", "console.sending",
    "console.serving", "console.web_server", "console.mbox_export", "console.desk_export", "console.desk_import",
)  # fmt: skip
"""Modules (and their submodules) the TUI must not import before it has drawn its first screen."""

FIRST_PAINT = (
    """
import json, sys
async def _list_modules_then_exit(pilot):
    await pilot.pause()
    print(json.dumps(sorted(sys.modules)))
    pilot.app.exit()
"""
    + headless("_list_modules_then_exit")  # the start-up benchmark's hook: the app run headless, as it starts
    + """
from console.cli import main
sys.exit(main(sys.argv[1:]))
"""
)


def modules_at_first_paint(*arguments: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT, *arguments],
        cwd=Path(__file__).parent.parent, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_tui_starts_without_mail_sending_serving_or_language_detection(tmp_path: Path) -> None:
    store = Store(tmp_path / "desk")
    mail = make_complaint(1, id="M-1", message_id="one@shop.example")
    digest = store.keep_attachment(b"%PDF receipt")
    mail = mail._replace(attachments=(Attachment("receipt.pdf", "application/pdf", 12, digest),))
    answer = CustomerMessage("two@customer.example", "M-1", "Any news?", datetime.now(UTC))
    store.add_mail([mail, make_complaint(2)], [answer])  # a desk with mail in it, a follow-up and a file
    loaded = modules_at_first_paint("--data-dir", str(tmp_path / "desk"), "--lang", "hr")
    assert "console.app" in loaded and "textual.app" in loaded  # the TUI did start
    early = [name for name in loaded if any(name == kept or name.startswith(f"{kept}.") for kept in NOT_AT_START)]
    assert early == []
