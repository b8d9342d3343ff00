"""Readable plain text from the HTML of an HTML-only mail, with the standard library's `html.parser`.

Why not a library: a mail's HTML needs only what an agent reads — paragraphs and list items as lines, links as
"text (url)", no script or style — and `html.parser` is tolerant of broken markup, has no native code and
costs nothing to install. The well-kept converters either write Markdown (html2text, and it is GPL) or pull
in lxml (inscriptis), several megabytes for a small shop that only wants to read its mail.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    "address article aside blockquote body center dd div dl dt fieldset figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr html li main nav ol p pre section table tbody tfoot thead tr ul".split()
)
_HIDDEN = frozenset(("script", "style", "head", "title", "template", "noscript", "svg", "object", "iframe"))
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextCollector(HTMLParser):
    """Collects the text of the document; a block element or <br> ends a line, a list item starts one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._hidden = 0
        self._links: list[str | None] = []
        self._link_text: list[int] = []  # where each open link's text starts in the line
        self._preformatted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "br":
            self._end_line()
        elif tag == "a":
            self._links.append(dict(attrs).get("href"))
            self._link_text.append(len("".join(self._line)))
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self.handle_data(f"[{alt}]")
        elif tag in _BLOCKS:
            self._end_line(paragraph=tag in ("p", "div", "table", "blockquote", "ul", "ol", "pre"))
            if tag == "li":
                self._line.append("- ")
            if tag == "pre":
                self._preformatted += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "a" and self._links:
            self._close_link()
        elif tag in _BLOCKS:
            self._end_line(paragraph=tag in ("p", "table", "blockquote", "ul", "ol", "pre"))
            if tag == "pre":
                self._preformatted = max(0, self._preformatted - 1)
        elif tag in ("td", "th"):
            self._line.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._preformatted:
            first, *rest = data.split("\n")
            self._line.append(first)
            for line in rest:
                self._end_line()
                self._line.append(line)
            return
        self._line.append(_SPACES.sub(" ", data))

    def _close_link(self) -> None:
        href = self._links.pop()
        start = self._link_text.pop()
        text = "".join(self._line)[start:].strip()
        if not href or href.startswith(("#", "javascript:", "cid:")):
            return
        address = href.removeprefix("mailto:")
        if text != address and text != href:
            self._line.append(f" ({href})" if text else href)

    def _end_line(self, paragraph: bool = False) -> None:
        line = "".join(self._line)
        self._line = []
        line = line.rstrip() if self._preformatted else " ".join(line.split())
        if line or (paragraph and self.lines and self.lines[-1]):
            self.lines.append(line)
        if paragraph and self.lines and self.lines[-1]:
            self.lines.append("")

    def text(self) -> str:
        self._end_line()
        joined = "\n".join(self.lines).strip("\n")
        return _BLANK_LINES.sub("\n\n", joined)


def html_to_text(html: str) -> str:
    """The readable text of an HTML document: no script or style, paragraphs and list items as lines, links as
    "text (url)"."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return collector.text()
