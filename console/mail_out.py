"""A reply to the customer as the mail that carries it: From the shop, To the customer, "Re: " their subject,
threaded to what they wrote (In-Reply-To, References), with a Message-ID made from the reply's id, so that a
second try is the same mail to the customer's client and their answer finds the complaint again."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, parseaddr

from console.i18n import _
from console.safe_text import clean_line
from console.store.records import Complaint, Reply

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@({_LABEL}(?:\.{_LABEL})*)")
"""An address a mail server takes without SMTPUTF8: a dot-atom local part and a host name."""
_REPLY_PREFIX = re.compile(r"\s*(?:re|aw|sv|vs|odg|vast)\s*(?:\[\d+\])?\s*:\s*", re.IGNORECASE)
"""What mail clients put before a subject they answer (English, German, Nordic, Finnish and Estonian
"Vs", Croatian "Odg", Estonian "Vast"): taken off, so the subject gets one "Re: "."""
MAX_REFERENCES = 20
"""References keeps the thread's first message and its latest ones (RFC 5322 §3.6.4 allows trimming)."""


class MailAddressError(ValueError):
    """An address a reply cannot be sent to or from; str() is one line in the current language."""


class UnsendableReply(Exception):
    """This reply cannot go out by mail as the complaint stands (no address, an unusable one); one line."""


def parse_address(text: str, name: str | None = None) -> Address:
    """`text` ("help@shop.example" or "Shop <help@shop.example>") as an Address; `name` is the display name
    instead of any in `text`. A line break or control character anywhere is refused, never cleaned away:
    it is what a header injection looks like."""
    if text != clean_line(text) or "\t" in text:
        raise MailAddressError(_("the address {address} holds a line break or control character").format(
            address=repr(clean_line(text))
        ))  # fmt: skip
    given_name, address = parseaddr(text)
    match = _ADDRESS.fullmatch(address)
    bracketed = text.count("<") == text.count(">") == 1 and text.strip().endswith(f"<{address}>")
    if match is None or not (bracketed or address == text.strip()):  # parseaddr takes the first of a list
        raise MailAddressError(_("{address} is not an e-mail address").format(address=repr(text)))
    display = clean_line(name if name is not None else given_name).strip()
    return Address(display_name=display, username=match.group(1), domain=match.group(2))


def message_id(reply_id: str, sender: Address) -> str:
    """The Message-ID (without <>) a reply's mail carries: the same at every try."""
    return f"{reply_id}@{sender.domain}"


def reply_subject(subject: str, complaint_id: str) -> str:
    """ "Re: " and the customer's subject, without the "Re:", "Vs:" or "Odg:" prefixes it came with."""
    text = clean_line(subject).strip()
    while (prefix := _REPLY_PREFIX.match(text)) is not None:
        text = text[prefix.end() :]
    return f"Re: {text or clean_line(complaint_id)}"


def reply_mail(
    complaint: Complaint,
    reply: Reply,
    sender: Address,
    now: datetime,
    customer_said: Sequence[tuple[datetime, str]] = (),
    we_said: Sequence[tuple[datetime, str]] = (),
) -> EmailMessage:
    """The mail of `reply`, sent `now` from `sender`. `customer_said`: the customer's later messages (when, and
    their Message-ID); `we_said`: replies sent before (when, and their Message-ID). It answers the customer's
    latest message written before the reply, and References the thread up to it."""
    recipient = customer_address(complaint)
    thread = [(complaint.received, complaint.message_id)] if complaint.message_id else []
    thread += [(at, mid) for at, mid in customer_said if mid and at <= reply.at]
    answered = max(thread, key=lambda pair: pair[0])[1] if thread else None
    thread += [(at, mid) for at, mid in we_said if mid and at <= reply.at]
    references = [mid for _at, mid in sorted(thread, key=lambda pair: pair[0])]
    if len(references) > MAX_REFERENCES:
        references = [references[0], *references[-(MAX_REFERENCES - 1) :]]
    mail = EmailMessage(policy=default)
    mail["From"] = sender
    mail["To"] = recipient
    mail["Subject"] = reply_subject(complaint.subject, complaint.id)
    mail["Date"] = format_datetime(now.astimezone())
    mail["Message-ID"] = f"<{message_id(reply.id, sender)}>"
    if answered is not None:
        mail["In-Reply-To"] = f"<{answered}>"
        mail["References"] = " ".join(f"<{mid}>" for mid in references)
    mail.set_content(reply.text.replace("\r\n", "\n").replace("\r", "\n"), charset="utf-8")  # ends in \n
    mail["Content-Language"] = reply.language  # after: set_content clears the Content-* headers
    return mail


def customer_address(complaint: Complaint) -> Address:
    """Whom the reply goes to: the customer's name and address (UnsendableReply when there is none that
    can be used)."""
    if not complaint.customer_email.strip():
        raise UnsendableReply(_("{id} has no e-mail address to send the reply to").format(id=clean_line(complaint.id)))
    try:
        return parse_address(complaint.customer_email.strip(), complaint.customer_name)
    except MailAddressError as error:
        raise UnsendableReply(_("{id}: {problem}").format(id=clean_line(complaint.id), problem=error)) from None


def with_agent_name(sender: Address, agent_name: str | None) -> Address:
    """The shop's address with the agent's name shown (`[agent] name`), when the config gives one."""
    if not agent_name:
        return sender
    return Address(display_name=clean_line(agent_name), username=sender.username, domain=sender.domain)
