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

from console.safe_text import clean_line
from console.store import Attachment, Complaint, Store
from console.store.restore_records import ComplaintRecords, every_record

SHOP_ADDRESS = "desk@agent-console.invalid"
"""The shop's address when the config names none (.invalid: never deliverable, RFC 2606)."""
ID_DOMAIN = "agent-console.invalid"
_FROM_LINE = re.compile(r"^From ", re.MULTILINE)


class Mail(NamedTuple):
    """One message of a conversation, before it is made into mail."""

    at: datetime
    message_id: str
    sender: Address
    recipient: Address
    subject: str
    text: str
    language: str
    attachments: tuple[Attachment, ...] = ()


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


def reply_message_id(reply_id: str, shop: str) -> str:
    """A reply's Message-ID as the sender makes it (stable across retries): its id at the shop's domain."""
    return f"{reply_id}@{shop.rpartition('@')[2] or ID_DOMAIN}"


def _re(subject: str) -> str:
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def conversation(records: ComplaintRecords, shop: str) -> list[Mail]:
    """The complaint's messages, in the order they came and went."""
    complaint = records.complaint
    customer = _address(complaint.customer_name, complaint.customer_email)
    mails = [
        Mail(complaint.received, complaint_message_id(complaint), customer, _address("", shop), complaint.subject,
             complaint.body, complaint.language, complaint.attachments),
    ]  # fmt: skip
    for message in records.customer_messages:
        mails.append(
            Mail(message.at, message.id, customer, _address("", shop), message.subject or _re(complaint.subject),
                 message.text, complaint.language, message.attachments)
        )  # fmt: skip
    for reply in records.replies:
        mails.append(
            Mail(reply.at, reply_message_id(reply.id, shop), _address(reply.author, shop), customer,
                 _re(complaint.subject), reply.text, reply.language)
        )  # fmt: skip
    mails[1:] = sorted(mails[1:], key=lambda mail: mail.at)
    return mails


def mail_message(
    mail: Mail, earlier: list[str], complaint_id: str, file: Callable[[Attachment], bytes]
) -> EmailMessage:
    """The mail of `mail`, answering the last of `earlier` (Message-IDs), with its files' bytes from `file`."""
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = mail.recipient
    message["Subject"] = clean_line(mail.subject)
    message["Date"] = format_datetime(mail.at)
    message["Message-ID"] = f"<{mail.message_id}>"
    if earlier:
        message["In-Reply-To"] = f"<{earlier[-1]}>"
        message["References"] = " ".join(f"<{message_id}>" for message_id in earlier)
    message["X-Complaint-Id"] = clean_line(complaint_id)
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


def export_mbox(store: Store, shop: str = SHOP_ADDRESS) -> str:
    """Every conversation of the desk as one mbox file's text."""
    with tempfile.TemporaryDirectory(prefix="agent-console-mbox-") as folder:
        path = Path(folder) / "export.mbox"
        box = mailbox.mbox(path, create=True)
        try:
            for records in every_record(store):
                earlier: list[str] = []
                for mail in conversation(records, shop):
                    entry = mailbox.mboxMessage(
                        mail_message(mail, earlier, records.complaint.id, store.attachment_bytes)
                    )
                    entry.set_from(mail.sender.addr_spec.replace(" ", "") or "-", time.gmtime(mail.at.timestamp()))
                    box.add(entry)
                    earlier.append(mail.message_id)
            box.flush()
        finally:
            box.close()
        return path.read_bytes().decode("utf-8")
