"""The conversation shows the customer's later messages among the replies and notes, in time order, and
under each customer's message the files that came with it, numbered across the conversation as the
`attachment` command numbers them; names and texts literally, never as markup, terminal controls removed.
The header's first-response clock runs from the latest message owed a reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.playbooks import Playbooks
from console.screens.complaint import ComplaintScreen
from console.store import Attachment, CustomerMessage, Store
from tests.conftest import make_app, make_complaint, screen_text, settle

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture
def mail_store(tmp_path: Path) -> Store:
    """M-1: came by mail with an invoice, answered and resolved an hour ago; then the customer wrote
    again with a photo whose name holds markup and an OSC sequence."""
    store = Store(tmp_path / "desk")
    invoice = Attachment("invoice.pdf", "application/pdf", 12_000, store.keep_attachment(b"%PDF"))
    photo = Attachment("[b]x[/b]\x1b]0;pwned\x07.png", "image/png", 1_500_000, store.keep_attachment(b"PNG"))
    complaint = make_complaint(1, id="M-1", message_id="m1@shop.example", body="Lamp broke.", attachments=(invoice,))
    store.add_mail([complaint], [])
    store.add_reply("M-1", "A new lamp is on its way.", "en", "anna", at=NOW - timedelta(hours=1))
    store.set_field("M-1", "status", "resolved", "anna")
    later = CustomerMessage(
        "f1@customer.example", "M-1", "Still nothing [i]here[/i].", NOW - timedelta(minutes=30), "Re: x", (photo,)
    )
    store.add_mail([], [later])
    return store


async def test_a_follow_up_and_its_files_show_in_time_order_and_literally(
    mail_store: Store, playbooks: Playbooks
) -> None:
    app = make_app(mail_store, playbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
        text = screen_text(app)
        assert "1. invoice.pdf · application/pdf · 12 kB" in text
        assert "2. [b]x[/b].png · image/png · 1.5 MB" in text  # markup kept as text, the OSC gone
        assert "Still nothing [i]here[/i]." in text
        assert "pwned" not in text and "\x1b" not in text
        reply, customer = text.index("A new lamp is on its way."), text.index("Customer · Customer 1")
        assert text.index("Lamp broke.") < reply < customer  # the customer wrote after the reply
        assert "Status: open" in text and "reply due in 23 hr" in text  # reopened; the clock from the follow-up


async def test_attachment_sizes_follow_the_language(mail_store: Store, playbooks: Playbooks) -> None:
    app = make_app(mail_store, playbooks, language="fi")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "1. invoice.pdf · application/pdf · 12 kt" in text
        assert "1,5 Mt" in text and "Asiakas · Customer 1" in text
