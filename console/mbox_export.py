"""`export --format mbox`: each complaint's conversation as mail, oldest first: the customer's message and
follow-ups From the customer, the replies From the shop (the agent's name on them), each answering the one
before (In-Reply-To, References), under the Message-IDs the desk keeps or sent them with.

Written with Python's `mailbox.mbox`, whose "From " quoting is mboxo: a body line starting "From " would
come back as ">From ". Such a body is written quoted-printable with that F as "=46", so no line of the
file starts "From " but the separators and every mbox reader (mboxo or mboxrd) gives the text back whole.
"""

from __future__ import annotations

import hashlib
import mailbox
import re
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from console.collector import paused
from console.config import Config
from console.mail_out import MailAddressError, message_id, parse_address, reply_subject, with_agent_name
from console.safe_text import clean_line
from console.store import Attachment, Complaint, Store
from console.store.restore_records import ComplaintRecords, every_record

SHOP = Address(display_name="", username="desk", domain="agent-console.invalid")
"""The shop's address when the config has no `[mail] from` (.invalid: never deliverable, RFC 2606)."""
ID_DOMAIN = "agent-console.invalid"
REPLY_HEADER = "X-Agent-Console-Reply"
"""On the shop's replies (the customer's mail has none): what a mail import can leave out or take as ours."""
_FROM_LINE = re.compile(r"^From ", re.MULTILINE)


class Mail(NamedTuple):
    """One message of a conversation, before it is made into mail."""

    at: datetime
    message_id: str
    from_customer: bool
    subject: str
    text: str
    language: str
    attachments: tuple[Attachment, ...] = ()
    author: str = ""
    """The agent who wrote a reply (shown as the name on the shop's address)."""


def _address(name: str, email: str) -> Address:
    try:
        return Address(display_name=clean_line(name), addr_spec=clean_line(email))
    except (ValueError, IndexError, TypeError):  # not an address the mail headers can carry
        return Address(display_name=clean_line(f"{name} {email}"), username="unknown", domain=ID_DOMAIN)


def complaint_message_id(complaint: Complaint) -> str:
    """The Message-ID of the mail a complaint came in, or one made from its id for one that did not."""
    if complaint.message_id:
        return complaint.message_id
    return f"{quote(complaint.id, safe='').replace('.', '%2E')}.complaint@{ID_DOMAIN}"


def conversation(records: ComplaintRecords, shop: Address) -> list[Mail]:
    """The complaint's messages in the order they came and went: a reply sent by mail under the Message-ID
    and at the time it was sent, one not sent under the Message-ID sending would give it."""
    complaint = records.complaint
    mails = [
        Mail(complaint.received, complaint_message_id(complaint), True, complaint.subject, complaint.body,
             complaint.language, complaint.attachments),
    ]  # fmt: skip
    for message in records.customer_messages:
        subject = message.subject or reply_subject(complaint.subject, complaint.id)
        mails.append(Mail(message.at, message.id, True, subject, message.text, complaint.language, message.attachments))
    sent = {delivery.reply_id: delivery for delivery in records.deliveries}
    for reply in records.replies:
        delivery = sent.get(reply.id)
        mails.append(
            Mail(delivery.at if delivery else reply.at, delivery.message_id if delivery else message_id(reply.id, shop),
                 False, reply_subject(complaint.subject, complaint.id), reply.text, reply.language, author=reply.author)
        )  # fmt: skip
    mails[1:] = sorted(mails[1:], key=lambda mail: mail.at)
    return mails


def mail_message(
    mail: Mail, earlier: list[Mail], complaint: Complaint, shop: Address, file: Callable[[Attachment], bytes]
) -> EmailMessage:
    """The mail of `mail`, answering the latest of `earlier` from the other side (else the latest), with its
    files' bytes from `file`."""
    customer = _address(complaint.customer_name, complaint.customer_email)
    agent = with_agent_name(shop, mail.author)
    message = EmailMessage()
    message["From"] = customer if mail.from_customer else agent
    message["To"] = shop if mail.from_customer else customer
    message["Subject"] = clean_line(mail.subject)
    message["Date"] = format_datetime(mail.at)
    message["Message-ID"] = f"<{mail.message_id}>"
    if earlier:
        answered = next((m for m in reversed(earlier) if m.from_customer != mail.from_customer), earlier[-1])
        message["In-Reply-To"] = f"<{answered.message_id}>"
        message["References"] = " ".join(f"<{m.message_id}>" for m in earlier)
    message["X-Complaint-Id"] = clean_line(complaint.id)
    if not mail.from_customer:
        message[REPLY_HEADER] = mail.message_id  # the shop's own mail: an import can tell it from the customer's
    if _FROM_LINE.search(mail.text):
        message.set_content(mail.text, cte="quoted-printable")
        message.set_payload(_FROM_LINE.sub("=46rom ", str(message.get_payload())))
    else:
        message.set_content(mail.text)
    for attachment in mail.attachments:
        maintype, _slash, subtype = attachment.content_type.partition("/")
        if not (maintype and subtype) or maintype == "multipart":
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(
            file(attachment), maintype=maintype, subtype=subtype, filename=clean_line(attachment.name) or None
        )
    if mail.attachments:  # the same desk gives the same file: no random boundary
        message.set_boundary(f"=_{hashlib.sha256(mail.message_id.encode()).hexdigest()[:32]}")
    message["Content-Language"] = mail.language  # after the content: setting it clears Content-* headers
    return message


def export_mbox(store: Store, shop: Address = SHOP) -> str:
    """Every conversation of the desk as one mbox file's text; the shop's mail from `shop`."""
    with paused(), tempfile.TemporaryDirectory(prefix="agent-console-mbox-") as folder:  # no cycles: no collector
        path = Path(folder) / "export.mbox"
        box = mailbox.mbox(path, create=True)
        try:
            for records in every_record(store):
                earlier: list[Mail] = []
                for mail in conversation(records, shop):
                    message = mail_message(mail, earlier, records.complaint, shop, store.attachment_bytes)
                    sender = message["From"].addresses[0].addr_spec.replace(" ", "") or "-"
                    # The "From " line set on the message itself: an mboxMessage made of it deep-copies it
                    # (half the time of an export).
                    message.set_unixfrom(f"From {sender} {time.asctime(time.gmtime(mail.at.timestamp()))}")
                    box.add(message)
                    earlier.append(mail)
            box.flush()
        finally:
            box.close()
        return path.read_bytes().decode("utf-8")


def shop_address(config: Config) -> Address:
    """The shop's address from the config's `[mail] from`, else SHOP."""
    if config.mail is None:
        return SHOP
    try:
        return parse_address(config.mail.sender, "")
    except MailAddressError:
        return SHOP
