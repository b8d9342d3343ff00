"""`agent-console send ID [--again]`: send a complaint's unsent replies by mail, as the config file's `[mail]`
table says; one line for each reply, sent or not."""

from __future__ import annotations

import argparse
from typing import Any, Protocol

from console import i18n
from console.config import Config, config_path
from console.safe_text import clean_line
from console.store import Store
from console.store.records import utc_now

EXIT_SOME_FAILED = 1


class CannotSend(Exception):
    """Nothing can be sent: no `[mail]` table in the config file, no usable address for the customer; one line."""


class _Arguments(Protocol):
    def add_argument(self, *names: str, **settings: Any) -> argparse.Action: ...


def add_send_arguments(options: _Arguments, arguments: _Arguments) -> None:
    _ = i18n._
    arguments.add_argument("id", metavar="ID", help=_("the complaint's id"))
    options.add_argument(
        "--again",
        action="store_true",
        help=_("send once more the replies whose sending was cut short and may have reached the customer"),
    )


def run_send(store: Store, config: Config, agent: str, arguments: argparse.Namespace) -> int:
    """Send and print a line per reply: 0 when every reply is sent, 1 when one is not."""
    from console.mail_out import UnsendableReply  # smtplib, ssl and email only when mail is sent
    from console.sending import send_unsent

    if config.mail is None:
        path = config.path or config_path()
        raise CannotSend(
            i18n._('no [mail] table in {path}: say there how replies leave (see README, "Sending replies")').format(
                path=clean_line(str(path))
            )
        )
    complaint_id = store.complaint(arguments.id).id  # an unknown id: one line, exit 2
    try:
        outcomes = send_unsent(store, config.mail, complaint_id, agent, config.agent.name, utc_now, arguments.again)
    except UnsendableReply as error:
        raise CannotSend(str(error)) from None
    if not outcomes:
        print(i18n._("Nothing to send: {id} has no unsent reply.").format(id=clean_line(complaint_id)))
        return 0
    for outcome in outcomes:
        print(f"{clean_line(complaint_id)}: {outcome.line}")
    return 0 if all(outcome.sent for outcome in outcomes) else EXIT_SOME_FAILED
