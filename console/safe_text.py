"""The one place where untrusted text (subjects, bodies, names, notes) is made inert for a terminal.

Textual does not strip escape sequences even from plain `Content`, so an OSC in a complaint body could set
the agent's window title or clipboard. Everything from outside passes through `clean` or `clean_line`
before it reaches a widget or stdout, and is only ever wrapped in `Text`/`Content`, never parsed as markup.
"""

from __future__ import annotations

import re

# Whole escape sequences first (so "ESC [ 2 J" leaves nothing behind), then any control left over.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # OSC ... BEL / ST
    | \x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # C1 OSC
    | \x1b[P^_X][^\x1b\x9c]*(?:\x1b\\|\x9c)?        # DCS, PM, APC, SOS ... ST
    | [\x90\x9e\x9f\x98][^\x1b\x9c]*(?:\x1b\\|\x9c)?
    | \x1b\[[0-?]*[ -/]*[@-~]?                      # CSI
    | \x9b[0-?]*[ -/]*[@-~]?                        # C1 CSI
    | \x1b[ -/]*[0-~]?                              # other ESC sequences (and a lone ESC)
    """,
    re.VERBOSE,
)
# C0 controls except tab and newline, DEL, C1 controls, and bidi overrides/isolates that reorder text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("\r\n|\r|\u2028|\u2029|\x85")
_TAB_WIDTH = 4


def clean(text: str) -> str:
    """Multi-line text with every terminal control removed; newlines kept, tabs expanded."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _CONTROL.sub("", text)
    return text.expandtabs(_TAB_WIDTH)


def clean_line(text: str) -> str:
    """One line of text: like `clean`, with line breaks and runs of white space folded into one space."""
    return " ".join(clean(text).split())


_JSON_HAZARD = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_TERMINAL_HAZARD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Machine-readable output (CSV, JSON) bound for a terminal: every control shown as `\\x1b`-style
    text instead of acted on; newlines and tabs kept. Files written with -o keep the data as it is."""
    return _TERMINAL_HAZARD.sub(_escape, text)


def json_escaped(document: str) -> str:
    """A JSON document with C1 controls, bidi overrides and line separators written as \\u escapes, which
    JSON allows and `json.dumps(ensure_ascii=False)` does not do: the file stays readable and inert."""
    return _JSON_HAZARD.sub(lambda match: f"\\u{ord(match.group()):04x}", document)


_FORMULA = re.compile("'*[=+\\-@\t\r]")
_NEUTRALISED = re.compile("'+[=+\\-@\t\r]")


def spreadsheet_cell(text: str) -> str:
    """A CSV cell a spreadsheet reads as text, never as a formula (OWASP "CSV injection"): one that would
    start with =, +, -, @, tab or CR (after any apostrophes) gets an apostrophe in front."""
    return "'" + text if _FORMULA.match(text) else text


def from_spreadsheet_cell(text: str) -> str:
    """What `spreadsheet_cell` was given: the one apostrophe it added is taken off again."""
    return text[1:] if _NEUTRALISED.match(text) else text
