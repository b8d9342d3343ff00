"""The `agent-console` command: the TUI by default, subcommands for scripts; user errors as one line."""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from console import i18n, labels, phrases_command, serve_command
from console.attachment_command import AttachmentError, add_attachment_arguments, run_attachment
from console.collector import Pause
from console.config import Config, ConfigError, load_config
from console.import_options import FIELDS_EPILOG, add_arguments, fields_help, read_options
from console.importing import ImportFileError, read_files
from console.playbooks import PlaybookError, Playbooks, load_playbooks
from console.reply_command import ReplyInputError, add_reply_arguments, run_reply, takes_words
from console.response_clock import DEFAULT_TARGETS, targets_for
from console.safe_text import clean_line, visible
from console.send_command import CannotSend, add_send_arguments, run_send
from console.store import Change, Store, StoreError, UnknownComplaint
from console.store.atomic import UnsafeFile, refuse_special_file, write_atomically
from console.store.records import utc_now

PROG = "agent-console"
EXIT_USER_ERROR = 2
EXIT_STORE_ERROR = 1
TEXT_LANGUAGE = ("reply",)
"""Commands whose `--lang` names the language of the text they are given, not the agent's."""
OPTIONS_WITH_VALUES = ("--data-dir", "--lang", "--agent", "--config")
EXIT_CLOSED_PIPE = 141
"""The reader of stdout left (`| head`): what a shell reports for a process ended by SIGPIPE."""
EXPORT_FORMATS = ("json", "csv", "mbox")
"""As `exports.EXPORT_FORMATS` (a test keeps them equal): the TUI starts without importing the exporters."""
TUI_LOCK_TIMEOUT_SECONDS = 3.0
"""An agent at the screen would rather read "locked, try again" than watch a frozen screen for long."""


class UserError(Exception):
    """Something the user asked for cannot be done; shown as one line."""

    def __init__(self, message: str, status: int = EXIT_USER_ERROR) -> None:
        super().__init__(message)
        self.status = status


def default_data_dir() -> Path:
    configured = os.environ.get("AGENT_CONSOLE_DATA")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_path

    return user_data_path("agent-console", appauthor=False)


def default_agent() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "agent"


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's layout with the `usage:` heading in the current language (argparse's own texts are
    English: its gettext domain has no catalogs here)."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, i18n._("usage: ") if prefix is None else prefix)


class _ImportHelpFormatter(argparse.RawDescriptionHelpFormatter, _HelpFormatter):
    """`import --help` ends with the fields it takes: made when shown, as they name the playbooks' kinds."""

    def add_text(self, text: str | None) -> None:
        super().add_text(fields_help(load_playbooks().kinds()) if text == FIELDS_EPILOG else text)


class _Arguments(Protocol):
    def add_argument(self, *names: str, **settings: Any) -> argparse.Action: ...

    def add_mutually_exclusive_group(self, *, required: bool = False) -> _Arguments: ...


class _Command(NamedTuple):
    """A subcommand's own options and arguments, each under a heading in the current language."""

    options: _Arguments
    arguments: _Arguments
    parser: argparse.ArgumentParser  # for a subcommand of its own (`phrases check`)


def _parser() -> argparse.ArgumentParser:
    """The command line, its help in the current language: call it after `i18n.set_language`."""
    _ = i18n._

    def common_options(with_language: bool) -> argparse.ArgumentParser:
        """The options every command takes (`--lang` is the language of the text for some: see TEXT_LANGUAGE)."""
        common = argparse.ArgumentParser(add_help=False)
        options = common.add_argument_group(_("common options"))
        options.add_argument(
            "--data-dir",
            type=Path,
            default=argparse.SUPPRESS,
            metavar=_("DIR"),
            help=_("data directory (default: $AGENT_CONSOLE_DATA, else the XDG data dir)"),
        )
        if with_language:
            options.add_argument(
                "--lang",
                default=argparse.SUPPRESS,
                metavar="LANG",
                help=_("language: fi, et, hr or en (default: from LANGUAGE/LC_ALL/LC_MESSAGES/LANG)"),
            )
        options.add_argument(
            "--agent",
            default=argparse.SUPPRESS,
            metavar=_("NAME"),
            help=_("your name on notes and changes (default: your login name)"),
        )
        options.add_argument(
            "--config",
            type=Path,
            default=argparse.SUPPRESS,
            metavar=_("FILE"),
            help=_(
                "your config file (default: $AGENT_CONSOLE_CONFIG, else $XDG_CONFIG_HOME/agent-console/config.toml)"
            ),
        )
        return common

    common = common_options(with_language=True)
    help_text = _("show this help and exit")
    file_metavar = _("FILE")

    def command(name: str, description: str) -> _Command:
        shared = common_options(with_language=False) if name in TEXT_LANGUAGE else common
        sub = commands.add_parser(
            name, parents=[shared], help=description, description=description, add_help=False,
            formatter_class=_HelpFormatter,
        )  # fmt: skip
        own = _Command(sub.add_argument_group(_("options")), sub.add_argument_group(_("arguments")), sub)
        own.options.add_argument("-h", "--help", action="help", help=help_text)
        return own

    parser = argparse.ArgumentParser(
        prog=PROG,
        parents=[common],
        description=_("Work through customer complaints with handling checklists."),
        add_help=False,
        formatter_class=_HelpFormatter,
    )
    main_options = parser.add_argument_group(_("options"))
    main_options.add_argument("-h", "--help", action="help", help=help_text)
    main_options.add_argument(
        "--demo", action="store_true", help=_("open the TUI on a temporary copy of the bundled demo data")
    )
    commands = parser.add_subparsers(title=_("commands"), dest="command", metavar=_("COMMAND"))

    importer = command("import", _("import complaints from JSON, JSON Lines, CSV or mail (mbox, Maildir)"))
    importer.arguments.add_argument("files", nargs="+", type=Path, metavar=file_metavar, help=_("the files to import"))
    importer.options.add_argument(
        "--watch", action="store_true", help=_("keep importing the mail that arrives in the Maildir folder FILE")
    )
    add_arguments(importer.options)
    importer.parser.formatter_class, importer.parser.epilog = _ImportHelpFormatter, FIELDS_EPILOG

    lister = command("list", _("list complaints"))
    lister.options.add_argument("--format", choices=("table", "json", "csv"), default="table", help=_("output format"))

    shower = command("show", _("show one complaint with its steps and notes"))
    shower.arguments.add_argument("id", metavar="ID", help=_("the complaint's id"))
    shower.options.add_argument("--format", choices=("text", "json"), default="text", help=_("output format"))

    attacher = command("attachment", _("save a file that came with a complaint's mail"))
    add_attachment_arguments(attacher.options, attacher.arguments)

    noter = command("note", _("add a note to a complaint"))
    noter.arguments.add_argument("id", metavar="ID", help=_("the complaint's id"))
    noter.arguments.add_argument(
        "text", nargs="+", metavar=_("TEXT"), help=_("the note (several words need no quotes)")
    )

    replier = command("reply", _("store a reply to the customer, in the complaint's language"))
    add_reply_arguments(replier.options, replier.arguments)

    sender = command("send", _("send a complaint's unsent replies by mail (the config file's [mail] table)"))
    add_send_arguments(sender.options, sender.arguments)

    setter = command("set", _("change status, priority, assignee or playbook of complaints (kept as history)"))
    setter.arguments.add_argument("ids", nargs="*", metavar="ID", help=_("the complaints' ids"))
    setter.options.add_argument(
        "--where",
        metavar=_("QUERY"),
        help=_("the complaints the inbox's query finds, e.g. 'status:waiting age:>14d'"),
    )
    value = setter.options.add_mutually_exclusive_group(required=True)
    value.add_argument("--status", metavar="S", help=_("the new status: open, waiting or resolved"))
    value.add_argument("--priority", metavar="P", help=_("the new priority: low, normal, high or urgent"))
    value.add_argument("--assignee", metavar=_("NAME"), help=_("assign them to NAME"))
    value.add_argument("--unassign", action="store_true", help=_("leave them unassigned"))
    value.add_argument("--playbook", metavar="ID", help=_("switch them to the playbook ID"))

    exporter = command("export", _("export the desk: json whole (import restores it), csv a row each, mbox as mail"))
    exporter.options.add_argument("--format", choices=EXPORT_FORMATS, required=True, help=_("output format"))
    exporter.options.add_argument(
        "-o", "--output", type=Path, metavar=file_metavar, help=_("write to FILE instead of stdout")
    )

    command("check", _("verify every file of the data directory"))

    backer = command("backup", _("write a consistent snapshot of the desk"))
    backer.options.add_argument(
        "-o", "--output", type=Path, metavar=file_metavar, help=_("the archive (default: a dated .tar.gz here)")
    )

    restorer = command("restore", _("unpack a backup into an empty data directory"))
    restorer.arguments.add_argument("archive", type=Path, metavar=file_metavar, help=_("the backup archive"))

    seeder = command("seed", _("add synthetic complaints for load tests"))
    seeder.options.add_argument(
        "--count", type=_positive, required=True, metavar="N", help=_("how many complaints to add")
    )
    seeder.options.add_argument(
        "--seed", type=int, default=1, metavar="S", help=_("the same S gives the same complaints")
    )
    phrases_command.register(command)
    serve_command.register(command)
    return parser


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(i18n._("{value} is not a positive whole number").format(value=repr(text)))
    return number


def _requested_language(argv: Sequence[str] | None) -> str | None:
    """`--lang` as given, read before the parser is built, so that its help is in that language. After a
    command of TEXT_LANGUAGE, `--lang` is the text's language, not the agent's: only what comes before counts."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang")
    known, _rest = early.parse_known_args(_before_text_command(list(sys.argv[1:] if argv is None else argv)))
    return known.lang  # type: ignore[no-any-return]


def _before_text_command(argv: list[str]) -> list[str]:
    skip = False
    for position, token in enumerate(argv):
        if skip or token.startswith("-"):
            skip = not skip and token in OPTIONS_WITH_VALUES
            continue
        return argv[:position] if token in TEXT_LANGUAGE else argv
    return argv


def _language(requested: str | None) -> tuple[str, str | None]:
    """The language to use, and the warning to give if the one asked for is not known (one line)."""
    try:
        return i18n.negotiate(requested), None
    except i18n.UnknownLanguage as error:
        supported = ", ".join(i18n.LANGUAGES)
        warning = f"unknown language {clean_line(error.requested)!r} (supported: {supported}); using English"
        return "en", warning


def _write(text: str, output: Path | None, inert: bool = False) -> None:
    """`text` to stdout or `output`. Controls are shown as text on a terminal, and always when `inert`
    (list's table and CSV are for reading: a pipe into `less -R` or a file later `cat` acts on them)."""
    if output is None:
        sys.stdout.write(visible(text) if inert or sys.stdout.isatty() else text)
        return
    try:
        refuse_special_file(output)
        write_atomically(output, text.encode("utf-8"))
    except UnsafeFile:
        raise UserError(labels.not_a_file(output)) from None
    except OSError as error:
        raise UserError(i18n._("cannot write {path}: {problem}").format(path=output, problem=error.strerror)) from None


def _import(store: Store, playbooks: Playbooks, arguments: argparse.Namespace) -> int:
    from console.desk_import import import_desk, is_desk_document

    if any(is_desk_document(path) for path in arguments.files):
        if arguments.map or arguments.default or arguments.date_format:
            raise UserError(
                i18n._("an agent-console export has its own fields: --map, --default and --date-format do not apply")
            )
        import_desk(store, playbooks, arguments.files)
        return 0
    kinds = playbooks.kinds()
    options = read_options(arguments.map, arguments.default, arguments.date_format, kinds)
    complaints = [  # every file is read and checked before anything is stored
        complaint._replace(playbook=playbooks.for_kind(complaint.kind).id)
        for complaint in read_files(arguments.files, kinds, options)
    ]
    result = store.add_complaints(complaints)
    added = i18n.ngettext("Imported {count} new complaint.", "Imported {count} new complaints.", result.added)
    present = i18n.ngettext("{count} was already present.", "{count} were already present.", result.already_present)
    print(added.format(count=result.added), present.format(count=result.already_present))
    if result.differing:
        warning = i18n.ngettext(
            "Warning: {count} known complaint differs from the file and was kept as stored: {ids}",
            "Warning: {count} known complaints differ from the file and were kept as stored: {ids}",
            len(result.differing),
        )
        ids = ", ".join(clean_line(complaint_id) for complaint_id in result.differing)
        print(warning.format(count=len(result.differing), ids=ids), file=sys.stderr)
    return 0


def _set_value(arguments: argparse.Namespace, playbooks: Playbooks) -> tuple[str, str | None]:
    """The field and stored value `set` was asked for; a value may be written in English or the current
    language, case and accents aside."""
    from console.query import fold
    from console.store import PRIORITIES, STATUSES

    if arguments.unassign:
        return "assignee", None
    if arguments.assignee is not None:
        name = clean_line(arguments.assignee).strip()
        if not name:
            raise UserError(i18n._("--assignee needs a name (--unassign empties it)"))
        return "assignee", name
    field, given = next((f, getattr(arguments, f)) for f in ("status", "priority", "playbook") if getattr(arguments, f))
    choices: dict[str, str] = {}
    shown: list[str] = []
    if field == "playbook":
        for playbook in playbooks.all:
            for name in (playbook.id, playbook.title("en"), playbook.title(i18n.current_language())):
                choices[fold(name)] = playbook.id
            shown.append(playbook.id)
    else:
        name_of = labels.status if field == "status" else labels.priority
        for stored in STATUSES if field == "status" else PRIORITIES:
            choices[fold(stored)] = choices[fold(name_of(stored))] = stored
            shown.append(name_of(stored))
    value = choices.get(fold(given.strip()))
    if value is None:
        raise UserError(
            i18n._("--{option} {value} is not known; try {values}").format(
                option=field, value=clean_line(given), values=", ".join(shown)
            )
        )
    return field, value


def _set(
    store: Store,
    playbooks: Playbooks,
    agent: str,
    arguments: argparse.Namespace,
    targets: Mapping[str, timedelta] = DEFAULT_TARGETS,
) -> int:
    """`set`: the TUI's bulk change for scripts and cron jobs (same store path, so every change is history)."""
    field, value = _set_value(arguments, playbooks)
    ids: list[str] = list(dict.fromkeys(arguments.ids))
    if arguments.where is None and not ids:
        raise UserError(i18n._("name the complaints: give their ids, --where QUERY, or both"))
    for complaint_id in ids:
        store.shard_of(complaint_id)  # an unknown id is refused before anything is changed
    if arguments.where is not None:
        ids = _where(store, playbooks, agent, arguments.where, ids or None, targets)
    old = store.set_many(field, dict.fromkeys(ids, value), agent) if ids else {}
    language = i18n.current_language()
    for complaint_id in ids:
        if complaint_id in old:
            change = Change(complaint_id, field, old[complaint_id], value, agent, utc_now())
            print(f"{clean_line(complaint_id)}: {labels.change(change, playbooks, language)}")
    if not old:
        print(i18n._("Nothing to change."))
    return 0


def _where(
    store: Store,
    playbooks: Playbooks,
    agent: str,
    text: str,
    among: list[str] | None,
    targets: Mapping[str, timedelta] = DEFAULT_TARGETS,
) -> list[str]:
    """The ids the inbox's query `text` finds (in the inbox's order), or those of `among` it finds."""
    from console.inbox_model import InboxModel
    from console.query import Query, QueryError, parse
    from console.views import DEFAULT_SORT, DEFAULT_VIEW

    index = store.inbox()
    try:
        query = parse(text, playbooks.kinds(), agent, index)
    except QueryError as error:
        raise UserError(i18n._("--where: {problem}").format(problem=error)) from None
    model = InboxModel(index, playbooks, agent, utc_now(), targets)
    model.arrange(DEFAULT_VIEW, DEFAULT_SORT, False, query, Query(), ())
    found = model.ids_shown()
    if among is None:
        return found
    wanted = set(among)
    return [complaint_id for complaint_id in found if complaint_id in wanted]


def _check(store: Store, _arguments: argparse.Namespace, _playbooks: Playbooks) -> int:
    from console.store.integrity import check

    report = check(store)
    for notice in report.notices:
        print(i18n._("note: {text}").format(text=notice))
    for problem in report.problems:
        print(i18n._("problem: {text}").format(text=problem))
    counts = (
        i18n.ngettext("Checked {files} file: ", "Checked {files} files: ", report.files).format(files=report.files)
        + i18n.ngettext("{count} complaint, ", "{count} complaints, ", report.complaints).format(
            count=report.complaints
        )
        + i18n.ngettext("{count} note, ", "{count} notes, ", report.notes).format(count=report.notes)
        + i18n.ngettext("{count} reply.", "{count} replies.", report.replies).format(count=report.replies)
    )
    if report.ok:
        print(counts, i18n._("No problems found."))
        return 0
    found = i18n.ngettext("{count} problem found.", "{count} problems found.", len(report.problems))
    print(counts, found.format(count=len(report.problems)))
    return EXIT_STORE_ERROR


def _backup(store: Store, arguments: argparse.Namespace, _playbooks: Playbooks) -> int:
    from console.store.integrity import backup

    target = arguments.output or Path(f"agent-console-backup-{utc_now().strftime('%Y%m%d-%H%M%S')}.tar.gz")
    try:
        refuse_special_file(target)
    except UnsafeFile:
        raise UserError(labels.not_a_file(target)) from None
    count = backup(store, target)
    print(
        i18n.ngettext("Saved {count} file to {path}.", "Saved {count} files to {path}.", count).format(
            count=count, path=target
        )
    )
    return 0


def _restore(archive: Path, data_dir: Path | None) -> int:
    from console.store.integrity import restore

    if data_dir is None:  # never the default desk by accident
        raise UserError(i18n._("restore needs --data-dir: a new or empty directory to restore into"))
    if not archive.is_file():
        raise UserError(i18n._("no such file: {path}").format(path=archive))
    report = restore(archive, data_dir)
    notes = i18n.ngettext("{count} note", "{count} notes", report.notes).format(count=report.notes)
    replies = i18n.ngettext("{count} reply", "{count} replies", report.replies).format(count=report.replies)
    restored = i18n.ngettext(
        "Restored {count} complaint, {notes} and {replies} into {path}.",
        "Restored {count} complaints, {notes} and {replies} into {path}.",
        report.complaints,
    )
    print(restored.format(count=report.complaints, notes=notes, replies=replies, path=data_dir))
    return 0


def _seed(store: Store, arguments: argparse.Namespace, playbooks: Playbooks) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from console.seeding import seed_store

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(i18n._("Seeding"), total=arguments.count)
        added = seed_store(store, arguments.count, arguments.seed, playbooks, lambda n: progress.advance(task, n))
    print(
        i18n.ngettext("Added {count} synthetic complaint.", "Added {count} synthetic complaints.", added).format(
            count=added
        )
    )
    return 0


def run(arguments: argparse.Namespace, language: str, warning: str | None = None) -> int:
    """Carry out the parsed command line in `language` (already current; `warning`: why it is not the one
    asked for)."""
    if arguments.command == phrases_command.COMMAND:  # its --lang is the text's: an unknown one is an error
        return phrases_command.run(arguments, language, warning)
    if warning is not None:
        print(f"{PROG}: {warning}", file=sys.stderr)
    given = getattr(arguments, "config", None)
    config = load_config(given, required=given is not None)  # before anything: a broken file is said at once
    agent = getattr(arguments, "agent", None) or default_agent()
    if not clean_line(agent):
        raise UserError(i18n._("an agent name needs some text"))
    playbooks = load_playbooks()
    command = arguments.command

    if command is None:  # the screen covers what was printed: the warning is said there too
        return _run_tui(arguments, playbooks, agent, language, config, warning)
    if command == serve_command.COMMAND:
        return serve_command.run(arguments, language)

    if command == "restore":
        return _restore(arguments.archive, getattr(arguments, "data_dir", None))
    data_dir = getattr(arguments, "data_dir", None) or default_data_dir()
    store = Store(data_dir)
    if command in ("check", "backup", "seed"):
        return {"check": _check, "backup": _backup, "seed": _seed}[command](store, arguments, playbooks)
    if command == "import":
        from console import mail_import

        if mail_import.wants_mail(arguments):
            from console.mbox_export import shop_address

            return mail_import.run(store, playbooks, arguments, shop_address(config).addr_spec)
        return _import(store, playbooks, arguments)
    targets = targets_for(config.response_targets)
    if command == "set":
        return _set(store, playbooks, agent, arguments, targets)
    if command == "reply":
        return run_reply(store, agent, arguments)
    if command == "send":
        return run_send(store, config, agent, arguments)
    if command == "attachment":
        return run_attachment(store, arguments)
    # Only the commands that print need the exporters: the TUI starts without them.
    from console.exports import complaint_json, export_complaints, list_table, mail_json, show_text, to_json

    if command == "list":
        complaints = store.complaints()
        if arguments.format == "table":
            if not complaints:
                print(i18n._("No complaints yet. Add some with: agent-console import FILE"))
                return 0
            width = shutil.get_terminal_size((100, 24)).columns
            _write(list_table(complaints, playbooks, width), None, inert=True)
        else:
            listed = export_complaints(
                store, playbooks, complaints, arguments.format, with_notes=False, targets=targets
            )
            _write(listed, None, inert=arguments.format == "csv")
        return 0
    if command == "show":
        complaint = store.complaint(arguments.id)
        notes, replies = store.notes(arguments.id), store.replies(arguments.id)
        later = store.customer_messages(complaint.id)
        if arguments.format == "json":
            shown = {
                **complaint_json(complaint, notes, playbooks, replies, targets=targets),
                **mail_json(complaint, later),
            }
            _write(to_json(shown), None)
        else:
            _write(show_text(complaint, notes, store.history(arguments.id), playbooks, replies, later), None)
        return 0
    if command == "note":
        if not " ".join(arguments.text).strip():
            raise UserError(i18n._("a note needs some text"))
        note = store.add_note(arguments.id, agent, " ".join(arguments.text))
        print(i18n._("Note added to {id} by {agent}.").format(id=note.complaint_id, agent=note.author))
        return 0
    # export: the parser knows no other command
    if arguments.format == "json":
        from console.desk_export import export_desk

        _write(export_desk(store), arguments.output)
    elif arguments.format == "mbox":
        from console.mbox_export import export_mbox, shop_address

        _write(export_mbox(store, shop_address(config)), arguments.output)
    else:
        _write(export_complaints(store, playbooks, store.complaints(), "csv", targets=targets), arguments.output)
    return 0


def _run_tui(
    arguments: argparse.Namespace,
    playbooks: Playbooks,
    agent: str,
    language: str,
    config: Config,
    warning: str | None = None,
) -> int:
    demo_dir = Path(tempfile.mkdtemp(prefix="agent-console-demo-")) if arguments.demo else None
    start_up: Pause | None = None
    try:
        if demo_dir is not None:
            from console.demo import create_demo_desk

            data_dir = create_demo_desk(playbooks, demo_dir)
        else:
            data_dir = getattr(arguments, "data_dir", None) or default_data_dir()
        store = Store(data_dir, lock_timeout=TUI_LOCK_TIMEOUT_SECONDS)
        # Start-up makes many objects and no garbage: the cycle collector would walk them over and over
        # (30–60 ms of the time to the first frame here). The app ends the pause once that frame is up.
        start_up = Pause()
        from console.app import ConsoleApp

        app = ConsoleApp(store, playbooks, agent, language, start_up=start_up, warning=warning, config=config)
        app.run()
        return app.return_code or 0
    finally:
        if start_up is not None:
            start_up.end()
        if demo_dir is not None:
            shutil.rmtree(demo_dir, ignore_errors=True)


def _stdout_to_devnull() -> None:
    """Python flushes stdout again on exit: with devnull under it, that cannot fail a second time (the
    recipe of the `signal` module's documentation, "Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    language, warning = _language(_requested_language(argv))
    i18n.set_language(language)
    parser = _parser()
    arguments, rest = parser.parse_known_args(argv)
    if rest and not takes_words(arguments, rest):
        parser.parse_args(argv)  # argparse's own one-line error for what it does not know
    try:
        status = run(arguments, language, warning)
        sys.stdout.flush()  # a reader gone (`| head -1`) shows here, where it can still be caught
        return status
    except BrokenPipeError:
        _stdout_to_devnull()
        return EXIT_CLOSED_PIPE
    except UnknownComplaint as error:
        print(f"{PROG}: {labels.store_error(error)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except (ImportFileError, UserError, ReplyInputError, AttachmentError, ConfigError, CannotSend) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return getattr(error, "status", EXIT_USER_ERROR)
    except StoreError as error:
        print(f"{PROG}: {labels.store_error(error)}", file=sys.stderr)
        return EXIT_STORE_ERROR
    except PlaybookError as error:  # the bundled data is broken: a packaging fault, still one line
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_STORE_ERROR
    except KeyboardInterrupt:
        return 130
