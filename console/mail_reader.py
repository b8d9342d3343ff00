"""Mail as records: the messages of an mbox file or a Maildir folder, read with `mailbox` and `email` (the
default policy), decoded into what a complaint needs. Pure: no store, no UI.

Reading is two steps so that a re-import is cheap: `message_keys` finds a message's Message-ID and the ones
it answers in its raw header block (no parse), and only a message the desk does not know yet is parsed in
full by `read_message`. A message that cannot be read raises `BrokenMail`, which names the problem; the
caller reports it with the message's `Position` and goes on with the next.
"""

from __future__ import annotations

import email
import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.errors import MessageError
from email.message import Message
from email.policy import EmailPolicy
from pathlib import Path
from typing import NamedTuple

from console.i18n import _, format_size, match_language, ngettext
from console.safe_text import clean, clean_line

MESSAGE_LIMIT = 40 * 10**6
"""The largest message read, in bytes as stored: room for the 25 MB of files common mail servers take, base64
encoded (a third more). A larger one is skipped unread, by its position, so a hostile mailbox cannot make the
import hold gigabytes at once."""
MAX_ATTACHMENTS = 250
"""The most files a mail may bring: each is kept (and synced) in the desk and listed in the conversation, so a
mail of ten thousand tiny parts would cost minutes and a conversation nobody can read. One with more is
skipped by its position."""
MAILDIR_FOLDERS = ("cur", "new")
"""Where a Maildir's delivered messages are; tmp/ holds those still being written, never read."""
MAILDIR_PARTS = ("cur", "new", "tmp")
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_MBOX_START = b"From "
_MADE_UP_DOMAIN = "mail.agent-console.invalid"
_ID_IN_BRACKETS = re.compile(r"<([^<>]*)>")
_ID_HEADERS = re.compile(rb"^(message-id|in-reply-to|references)[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.I | re.M)
PARSE_FAILURES = (MessageError, ValueError, LookupError, TypeError, AttributeError, IndexError, RecursionError)
"""What the `email` package raises on a message it cannot make sense of (its header parser meets hostile input
with IndexError or AttributeError, a deep MIME tree with RecursionError)."""


class Position(NamedTuple):
    """Where a message is: its number in the mailbox (from 1) and the line of its "From " line (an mbox), or its
    file (a Maildir: "new/NAME")."""

    number: int
    line: int = 0
    file: str = ""

    def describe(self) -> str:
        if self.file:
            return _("file {name}").format(name=clean_line(self.file))
        return _("message {number} (line {line})").format(number=self.number, line=self.line)


class BrokenMail(ValueError):
    """A message that is not readable mail: the text says why."""


class Unreadable(NamedTuple):
    """A message whose file could not be read: why, for people."""

    problem: str


RawMessage = tuple[Position, "bytes | Unreadable"]
"""A message of a mailbox as read: where it is, and its bytes or why they could not be read."""


class MailAttachment(NamedTuple):
    name: str
    """From the mail, cleaned: no folders, no control characters ("" when it gave none)."""
    content_type: str
    data: bytes


class MessageKeys(NamedTuple):
    """What a message is called and what it answers, from its header block alone."""

    message_id: str
    """Without <>; made up from a hash of the message's bytes when it has none (stable across imports)."""
    parents: tuple[str, ...]
    """The Message-IDs it answers, nearest first: In-Reply-To, then References from the last."""


class MailRecord(NamedTuple):
    position: Position
    message_id: str
    parents: tuple[str, ...]
    name: str
    email: str
    subject: str
    received: datetime
    language: str
    """fi, et, hr or en; "" when not looked for."""
    body: str
    attachments: tuple[MailAttachment, ...]


class NotMail(ValueError):
    """The path is neither an mbox file nor a Maildir folder."""


def is_maildir(path: Path) -> bool:
    """A folder with cur/ and new/ (a link in place of one counts, so that `maildir_root` refuses it by name)."""
    return path.is_dir() and all((path / folder).is_dir() or (path / folder).is_symlink() for folder in MAILDIR_FOLDERS)


def maildir_root(path: Path) -> Path:
    """The Maildir at `path` as it is read from now on: its real path, resolved once (the agent may name it
    through a link of their own). NotMail when its cur/, new/ or tmp/ is a link: a neighbour with write access
    to the Maildir could point one at mail that is not the shop's. Every later read opens the Maildir and its
    folders without following a link (`_open_folder`), so a link put in place of either afterwards is refused
    too; the folders above the Maildir are trusted as resolved here."""
    root = path.resolve()
    for folder in MAILDIR_PARTS:
        if (root / folder).is_symlink():
            raise NotMail(_linked_folder(path, folder))
    return root


def _linked_folder(path: Path, folder: str) -> str:
    problem = _("{path}: {folder}/ is a link, not a folder; a Maildir whose cur/, new/ or tmp/ is a link is not read")
    return problem.format(path=path, folder=folder)


def _open_folder(root: Path, folder: str) -> int:
    """A descriptor of the Maildir's `folder`, opened without following a link in place of the Maildir or of
    the folder (NotMail then). FileNotFoundError or NotADirectoryError when there is no such folder."""
    try:
        root_descriptor = _open_directory(root)
    except _LinkMet:
        raise NotMail(_("{path}: the Maildir was replaced by a link; it is not followed").format(path=root)) from None
    try:
        return _open_directory(Path(folder), root_descriptor)
    except _LinkMet:
        raise NotMail(_linked_folder(root, folder)) from None
    finally:
        os.close(root_descriptor)


class _LinkMet(OSError):
    """A link where a folder was opened."""


def _open_directory(path: Path, inside: int | None = None) -> int:
    """Open a folder, never through a link as its last part (_LinkMet: Linux says ELOOP or, with O_DIRECTORY,
    ENOTDIR for a link)."""
    try:
        return os.open(path, _FOLDER_FLAGS, dir_fd=inside)
    except OSError as error:
        if error.errno == errno.ELOOP or (
            error.errno == errno.ENOTDIR and stat.S_ISLNK(os.stat(path, dir_fd=inside, follow_symlinks=False).st_mode)
        ):
            raise _LinkMet(error.errno, error.strerror) from None
        raise


def is_mbox(path: Path) -> bool:
    """An mbox file starts with a "From " line."""
    if not path.is_file():  # a fifo would block the read
        return False
    try:
        with path.open("rb") as file:
            return file.read(len(_MBOX_START)) == _MBOX_START
    except OSError:
        return False


def is_mail(path: Path) -> bool:
    return is_maildir(path) or is_mbox(path)


class Mailbox:
    """The messages of an mbox file or a Maildir folder, counted when opened, read one by one (as bytes, in
    mailbox order) when iterated."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if is_maildir(path):
            self._files: list[tuple[str, Path]] | None = maildir_files(maildir_root(path))
            self._lines: list[int] = []
            self._sizes: list[int] = []
        elif is_mbox(path):
            self._files = None
            self._lines, self._sizes = _from_lines(path)
        else:
            raise NotMail(_("{path}: neither an mbox file nor a Maildir folder").format(path=path))

    def __len__(self) -> int:
        return len(self._lines) if self._files is None else len(self._files)

    def __iter__(self) -> Iterator[RawMessage]:
        if self._files is None:
            yield from _mbox_messages(self.path, self._lines, self._sizes)
            return
        for number, (name, file) in enumerate(self._files, start=1):
            data = read_maildir_file(file)
            if data is not None:
                yield Position(number, file=name), data


def raw_messages(path: Path) -> Mailbox:
    """The mbox file or Maildir folder at `path` (NotMail when it is neither)."""
    return Mailbox(path)


def maildir_files(root: Path) -> list[tuple[str, Path]]:
    """The delivered messages of the Maildir at `root` (from `maildir_root`) ("cur/NAME" or "new/NAME", file),
    oldest name first: a delivery's name starts with its time. Dot files and folders are left alone; a link or
    special file is listed, so that reading it names it as skipped (never followed). NotMail when the Maildir
    or its cur/ or new/ has become a link."""
    found: list[tuple[str, Path]] = []
    for folder in MAILDIR_FOLDERS:
        try:
            descriptor = _open_folder(root, folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        try:
            with os.scandir(descriptor) as listing:
                entries = list(listing)
        finally:
            os.close(descriptor)
        for entry in entries:
            if not entry.name.startswith(".") and not entry.is_dir(follow_symlinks=False):
                found.append((f"{folder}/{entry.name}", root / folder / entry.name))
    found.sort(key=lambda item: item[0].split("/", 1)[1])
    return found


def maildir_key(name: str) -> str:
    """A Maildir message's unique name, without its folder and ":2,FLAGS" info: the same after a mail client
    moves it from new/ to cur/ or marks it read."""
    return name.rsplit("/", 1)[-1].split(":", 1)[0]


def read_maildir_file(file: Path) -> bytes | Unreadable | None:
    """The file's bytes; None when it is gone (a mail client moved or deleted it since it was listed), or
    why it cannot be read (no permission, a link put in its place or in its folder's: never followed)."""
    try:
        folder = _open_folder(file.parent.parent, file.parent.name)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except NotMail:
        return Unreadable(_("a link: not followed"))
    except OSError as error:
        return Unreadable(_("cannot be read: {problem}").format(problem=error.strerror))
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        descriptor = os.open(file.name, flags, dir_fd=folder)
        with os.fdopen(descriptor, "rb") as opened:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):  # put in its place after the folder was listed
                return Unreadable(_("not a regular file"))
            if status.st_size > MESSAGE_LIMIT:
                return too_large(status.st_size)
            return opened.read(MESSAGE_LIMIT + 1)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            return Unreadable(_("a link: not followed"))
        return Unreadable(_("cannot be read: {problem}").format(problem=error.strerror))
    finally:
        os.close(folder)


def too_large(size: int) -> Unreadable:
    return Unreadable(
        _("too large: {size}; a mail of at most {limit} is read").format(
            size=format_size(size), limit=format_size(MESSAGE_LIMIT)
        )
    )


def _mbox_messages(path: Path, lines: list[int], sizes: list[int]) -> Iterator[RawMessage]:
    import mailbox

    box = mailbox.mbox(path, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            line = lines[number - 1] if number <= len(lines) else 0
            size = sizes[number - 1] if number <= len(sizes) else 0
            yield Position(number, line), too_large(size) if size > MESSAGE_LIMIT else box.get_bytes(key)
    finally:
        box.close()


def _from_lines(path: Path) -> tuple[list[int], list[int]]:
    """The line number of every "From " line (where `mailbox.mbox` starts a message: a line that starts with
    "From "), counted apart because `mailbox` keeps only byte offsets, and each message's size in bytes."""
    numbers: list[int] = []
    offsets: list[int] = []
    offset = 0
    with path.open("rb") as file:
        for number, line in enumerate(file, start=1):
            if line.startswith(_MBOX_START):
                numbers.append(number)
                offsets.append(offset)
            offset += len(line)
    ends = [*offsets[1:], offset]
    return numbers, [end - start for start, end in zip(offsets, ends, strict=True)]


def _header_block(raw: bytes) -> bytes:
    ends = [end for end in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if end >= 0]
    return raw[: min(ends)] if ends else raw


def _ids(value: str) -> list[str]:
    return ["".join(found.split()) for found in _ID_IN_BRACKETS.findall(value) if found.strip()]


def _acceptable_id(value: str) -> bool:
    return 0 < len(value) <= 250 and value.isprintable() and value.isascii()


def is_message_id(value: str) -> bool:
    """Whether `value` is a Message-ID as the desk keeps one (`message_keys` makes no other): printable ASCII
    without white space or angle brackets, at most 250 characters, so it can go into a mail header as it is."""
    return _acceptable_id(value) and not any(character in value for character in " <>")


def message_keys(raw: bytes) -> MessageKeys:
    """The Message-ID of a raw message and the ones it answers, read from its header block without parsing the
    message (the first of each header counts)."""
    values: dict[bytes, str] = {}
    for match in _ID_HEADERS.finditer(_header_block(raw)):
        values.setdefault(match.group(1).lower(), match.group(2).decode("ascii", "replace"))
    own = values.get(b"message-id", "")
    in_brackets = _ids(own)
    message_id = in_brackets[0] if in_brackets else "".join(own.split())
    if not _acceptable_id(message_id):
        message_id = f"{hashlib.sha256(raw).hexdigest()[:40]}@{_MADE_UP_DOMAIN}"
    references = _ids(values.get(b"references", ""))
    parents = [*_ids(values.get(b"in-reply-to", "")), *reversed(references)]
    unique = dict.fromkeys(parent for parent in parents if _acceptable_id(parent) and parent != message_id)
    return MessageKeys(message_id, tuple(unique))


_SHOP_MARK = re.compile(rb"^x-agent-console-reply[ \t]*:", re.I | re.M)
_FROM_HEADER = re.compile(rb"^from[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.I | re.M)


def sent_by_shop(raw: bytes, shop_address: str) -> bool:
    """Whether a raw message is one of the shop's own replies (as `export --format mbox` writes them): it carries
    X-Agent-Console-Reply AND comes From `shop_address`. The header alone proves nothing (a customer can write it);
    the From alone neither (a customer may forward the shop's mail)."""
    header = _header_block(raw)
    found = _FROM_HEADER.search(header)
    if not _SHOP_MARK.search(header) or found is None:
        return False
    from email.utils import getaddresses

    senders = getaddresses([found.group(1).decode("ascii", "replace")])
    return len(senders) == 1 and address_key(senders[0][1]) == address_key(shop_address) != ""


def address_key(address: str) -> str:
    """A mail address as compared to tell the same sender (a customer, the shop): without surrounding space,
    in lower case."""
    return address.strip().lower()


def _unescaped(text: str) -> str:
    """Header text the parser left with raw 8-bit bytes in it (as surrogates): read as UTF-8 or else as
    Windows-1252, the two a header without RFC 2047 encoding is written in, in practice."""
    if not any("\udc80" <= character <= "\udcff" for character in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


class _HeadersAsText(EmailPolicy):
    """The default policy, except that a header is fetched as its (unfolded) text, not parsed into a header
    object: the structure lookups (content type, charset, transfer encoding, file name) then cost a string
    split each instead of a full RFC 5322 parse each time they are asked, which made a message's reading take
    three times its parse. The few headers a record needs are decoded once each, below."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name"):
            return value
        return "".join(value.splitlines())


_POLICY = _HeadersAsText()


def _header(message: Message, name: str) -> str:
    """A header's text with RFC 2047 words decoded (any charset; an unknown one read as `decode_text` does)."""
    value = message.get(name)
    return decoded_words(str(value)) if value is not None else ""


def decoded_words(raw: str) -> str:
    """Header text with its RFC 2047 encoded words decoded, each in its charset (`decode_text`'s fallbacks)."""
    if "=?" not in raw:
        return _unescaped(raw)
    from email.header import decode_header

    try:
        words = decode_header(raw)
    except PARSE_FAILURES:
        return _unescaped(raw)
    decoded = []
    for word, charset in words:
        data = word if isinstance(word, bytes) else word.encode("raw-unicode-escape")
        decoded.append(decode_text(data, charset) if charset else _unescaped(data.decode("raw-unicode-escape")))
    return "".join(decoded)


def decode_text(data: bytes, charset: str | None) -> str:
    """Bytes of a text part in its declared charset; a wrong or unknown one falls back to UTF-8, then to
    Windows-1252 (which takes any byte), so text is never lost for a bad label."""
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", "replace")


def _sender(message: Message) -> tuple[str, str]:
    from email.utils import getaddresses

    for name, address in getaddresses([str(value) for value in message.get_all("From", [])]):
        mail = clean_line(_unescaped(address))
        if "@" in mail.strip("@"):
            return clean_line(decoded_words(name)) or mail.split("@", 1)[0], mail
    raise BrokenMail(_("no sender address (From)"))


def _received(message: Message) -> datetime:
    from email.utils import parsedate_to_datetime

    now = datetime.now(UTC)
    try:
        moment = parsedate_to_datetime(_header(message, "Date"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, TypeError, IndexError, OverflowError):  # year 9999 at -2359 is past datetime's end
        return now  # documented: a mail without a readable date counts as received now
    return now if moment > now + _AHEAD else moment  # a date years ahead would sit atop the inbox for ever


_AHEAD = timedelta(days=1)
"""How far ahead of the import a mail's Date may be (clocks are wrong, time zones mislabelled); later is now."""


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = decode_text(payload, part.get_content_charset())
    if part.get_content_subtype() == "html":
        from console.html_text import html_to_text

        return html_to_text(text)
    return text


def _body_part(leaves: list[Message]) -> Message | None:
    """The text the customer wrote: the first plain text part that is no attachment, else the first HTML one."""
    texts = [part for part in leaves if part.get_content_maintype() == "text" and not _is_attachment(part)]
    plain = [part for part in texts if part.get_content_subtype() == "plain"]
    html = [part for part in texts if part.get_content_subtype() == "html"]
    return plain[0] if plain else html[0] if html else None


def _is_attachment(part: Message) -> bool:
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return True
    return part.get_content_maintype() not in ("text", "multipart")


def _clean_file_name(name: str) -> str:
    name = clean_line(name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "" if name in (".", "..") else name[:200]


def _attachments(leaves: list[Message], body: Message | None) -> list[MailAttachment]:
    count = sum(1 for part in leaves if part is not body and _is_attachment(part))
    if count > MAX_ATTACHMENTS:
        raise BrokenMail(
            ngettext(
                "{count} file attached; a mail of at most {limit} files is read",
                "{count} files attached; a mail of at most {limit} files is read",
                count,
            ).format(count=count, limit=MAX_ATTACHMENTS)
        )
    found: list[MailAttachment] = []
    for part in leaves:
        if part is body or not _is_attachment(part):
            continue
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and isinstance(inner[0], Message) else b""
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        name = _clean_file_name(decoded_words(part.get_filename() or ""))
        found.append(MailAttachment(name, part.get_content_type(), data))
    return found


def _leaves(message: Message) -> Iterator[Message]:
    """Every part that is not a container; an attached mail (message/rfc822) counts as one part."""
    if message.is_multipart() and message.get_content_maintype() == "multipart":
        for part in message.get_payload():
            if isinstance(part, Message):
                yield from _leaves(part)
    else:
        yield message


def _stated_language(message: Message, body: Message | None) -> str | None:
    for part in (body, message):
        if part is None:
            continue
        for tag in _header(part, "Content-Language").split(","):
            language = match_language(tag.strip()) if tag.strip() else None
            if language is not None:
                return language
    return None


def _first_line(text: str) -> str:
    return next((line.strip()[:120] for line in text.splitlines() if line.strip()), "")


def read_message(raw: bytes, position: Position, default_language: str = "en", detect: bool = True) -> MailRecord:
    """The record of one raw message; BrokenMail when it is not readable mail (no sender, nothing in it, a
    structure the parser cannot follow). `default_language` when the mail neither states nor shows one; not
    looked for (`detect=False`) where it is not wanted, as in a follow-up, which takes its complaint's."""
    try:
        return _read(raw, position, default_language if detect else None)
    except BrokenMail:
        raise
    except PARSE_FAILURES as error:
        raise BrokenMail(_("cannot be read as mail: {problem}").format(problem=clean_line(str(error)))) from None


def _read(raw: bytes, position: Position, default_language: str | None) -> MailRecord:
    message = email.message_from_bytes(raw, policy=_POLICY)
    name, address = _sender(message)
    leaves = list(_leaves(message))
    body_part = _body_part(leaves)
    body = clean(_text_of(body_part)).strip("\n") if body_part is not None else ""
    attachments = tuple(_attachments(leaves, body_part))
    subject = clean_line(_header(message, "Subject"))
    if not (subject or body.strip() or attachments):
        raise BrokenMail(_("nothing in it: no subject, no text, no attachment"))
    language = _stated_language(message, body_part) or ""
    if not language and default_language is not None:
        from console.language_detection import detect_language

        language = detect_language(f"{subject}\n{body}") or default_language
    keys = message_keys(raw)
    return MailRecord(
        position=position,
        message_id=keys.message_id,
        parents=keys.parents,
        name=name,
        email=address,
        subject=subject or _first_line(body),
        received=_received(message),
        language=language,
        body=body,
        attachments=attachments,
    )
