"""Sending a complaint's stored replies by mail, for `agent-console send` and the TUI alike: each reply
claimed in the desk (never sent twice), built (console/mail_out.py), handed on (console/mail_transport.py)
and recorded as sent, or as failed with one line saying why. Blocks: never on the screen's thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from console.config import MailConfig
from console.i18n import _, format_moment
from console.mail_out import UnsendableReply, customer_address, message_id, parse_address, reply_mail, with_agent_name
from console.mail_transport import SendFailed, send
from console.safe_text import clean_line
from console.store import Complaint, Reply, Store
from console.store.deliveries import ReplyAlreadySent, ReplyBeingSent, ReplyMaybeSent, SendState


class SendOutcome(NamedTuple):
    """One reply's try, said in one line."""

    reply_id: str
    sent: bool
    line: str


def unsent(replies: list[Reply], states: dict[str, SendState]) -> list[Reply]:
    """The replies not sent, oldest first: never tried, failed, being sent by someone else or cut short (the
    claim says which of these may be sent now)."""
    return [reply for reply in replies if reply.id not in states or states[reply.id].state != "sent"]


def reply_name(reply: Reply) -> str:
    """A reply as a line names it: its complaint and when it was written."""
    return _("reply of {at}").format(at=format_moment(reply.at, width="short"))


def maybe_sent(at: datetime, complaint_id: str) -> str:
    return _("may have been sent at {at}; `send --again {id}` to send it once more").format(
        at=format_moment(at, width="short"), id=clean_line(complaint_id)
    )


def send_reply(
    store: Store,
    mail: MailConfig,
    complaint: Complaint,
    reply: Reply,
    agent: str,
    agent_name: str | None,
    now: Callable[[], datetime],
    again: bool = False,
) -> SendOutcome:
    """Send one stored reply; what happened, in one line. Store errors other than the refusals of a claim
    (a locked or damaged desk) are raised."""
    name = reply_name(reply)
    try:
        recipient = customer_address(complaint)
        sender = with_agent_name(parse_address(mail.sender), agent_name)
        we_said = [(d.at, d.message_id) for d in store.deliveries(complaint.id)]
        customer_said = [(message.at, message.id) for message in store.customer_messages(complaint.id)]
        mid = message_id(reply.id, sender)
        claim = store.begin_sending(reply.id, complaint.id, mid, agent, again)
    except UnsendableReply as error:
        return SendOutcome(reply.id, False, _("{reply}: not sent: {problem}").format(reply=name, problem=error))
    except ReplyAlreadySent as error:
        at = format_moment(error.at, width="short")
        return SendOutcome(reply.id, True, _("{reply}: sent at {at} already").format(reply=name, at=at))
    except ReplyMaybeSent as error:
        return SendOutcome(reply.id, False, f"{name}: {maybe_sent(error.at, complaint.id)}")
    except ReplyBeingSent as error:
        line = _("{reply}: being sent by {agent} since {at}").format(
            reply=name, agent=clean_line(error.by), at=format_moment(error.at, width="short")
        )
        return SendOutcome(reply.id, False, line)
    try:
        mail_message = reply_mail(complaint, reply, sender, now(), customer_said, we_said)
        via = send(mail_message, mail)
    except SendFailed as error:
        store.abandon_sending(claim, str(error), error.uncertain)
        if error.uncertain:
            problem = _("{problem}; it may have been sent: `send --again {id}` to send it once more").format(
                problem=error, id=clean_line(complaint.id)
            )
            return SendOutcome(reply.id, False, f"{name}: {problem}")
        return SendOutcome(reply.id, False, _("{reply}: not sent: {problem}").format(reply=name, problem=error))
    except BaseException:
        store.abandon_sending(claim, _("interrupted while sending"), uncertain=True)
        raise
    store.finish_sending(claim, via, now())
    return SendOutcome(reply.id, True, _("{reply}: sent to {address}").format(reply=name, address=recipient.addr_spec))


def send_unsent(
    store: Store,
    mail: MailConfig,
    complaint_id: str,
    agent: str,
    agent_name: str | None,
    now: Callable[[], datetime],
    again: bool = False,
    only: frozenset[str] | None = None,
) -> list[SendOutcome]:
    """Send the complaint's unsent replies in the order written (`only`: just these ids); a line for each."""
    complaint = store.complaint(complaint_id)
    replies = [r for r in store.replies(complaint_id) if only is None or r.id in only]
    chosen = unsent(replies, store.send_states(complaint_id))
    if chosen:
        customer_address(complaint)  # UnsendableReply: one line for all of them
    outcomes = []
    for reply in chosen:
        outcomes.append(send_reply(store, mail, complaint, reply, agent, agent_name, now, again))
    return outcomes
