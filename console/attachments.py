"""The files that came with a complaint's mail, numbered as the agent sees them: across the whole
conversation, in time order (the first message's, then each later message's), from 1. The conversation
and `agent-console attachment ID N` use the same numbers."""

from __future__ import annotations

from collections.abc import Sequence

from console.i18n import format_size
from console.safe_text import clean_line
from console.store import Attachment, Complaint, CustomerMessage


def in_time_order(complaint: Complaint, messages: Sequence[CustomerMessage]) -> list[CustomerMessage | None]:
    """The customer's messages in time order: None stands for the first one (the complaint's own)."""
    timed: list[tuple[object, int, CustomerMessage | None]] = [(complaint.received, 0, None)]
    timed.extend((message.at, 1, message) for message in messages)
    timed.sort(key=lambda item: (item[0], item[1]))
    return [message for _at, _order, message in timed]


Numbered = list[tuple[int, Attachment]]


def by_message(
    complaint: Complaint, messages: Sequence[CustomerMessage]
) -> list[tuple[CustomerMessage | None, Numbered]]:
    """The customer's messages in time order (None: the first), each with its attachments and their numbers."""
    found: list[tuple[CustomerMessage | None, Numbered]] = []
    number = 0
    for message in in_time_order(complaint, messages):
        files = complaint.attachments if message is None else message.attachments
        found.append((message, [(number + offset, file) for offset, file in enumerate(files, 1)]))
        number += len(files)
    return found


def numbered(complaint: Complaint, messages: Sequence[CustomerMessage]) -> list[Attachment]:
    """Every attachment of the conversation in the order they are numbered (number = index + 1)."""
    return [attachment for _message, files in by_message(complaint, messages) for _number, attachment in files]


def attachment_line(number: int, attachment: Attachment) -> str:
    """One attachment as listed ("1. invoice.pdf · application/pdf · 12 kB"): name and type made inert, the
    size in the language of the UI."""
    name = clean_line(attachment.name) or "-"
    kind = clean_line(attachment.content_type) or "-"
    return f"{number}. {name} · {kind} · {format_size(attachment.size)}"
