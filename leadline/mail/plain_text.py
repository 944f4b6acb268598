"""The plain-text part of an email, written from its HTML so nobody has to keep two versions.

Meant to be read, not parsed: paragraphs separated by a blank line, headings underlined, list items
as "- item" or "1. item", links as "text (address)", images by their alt text, quotes with "> ".
Hidden elements (the preheader) and everything in `<head>` are left out, and so are Outlook's
conditional comments.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
SKIPPED = frozenset({"head", "style", "script", "title", "template", "noscript"})
# Blocks set apart by a blank line; the line-level ones only start a new line.
PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "table", "dl", "figure"}
)
LINES = frozenset(
    {
        "div", "tr", "td", "th", "li", "dt", "dd", "section", "article", "header", "footer", "main",
        "center", "address", "caption", "figcaption", "tbody", "thead", "tfoot",
    }
)  # fmt: skip
HEADING_UNDERLINE = {"h1": "=", "h2": "-"}
PLACEHOLDER_WIDTH = 6
_HIDDEN = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f\u00a0\u200b\u200c\u034f\ufeff\u2007]+")


class _TextWriter(HTMLParser):
    def __init__(self, placeholder: re.Pattern[str] | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.placeholder = placeholder
        self.lines: list[str] = []
        self.current = ""  # the line being written
        self.breaks = 0  # line breaks asked for before the next text
        self.open: list[tuple[str, bool]] = []  # (tag, hides its content)
        self.lists: list[list[int | None]] = []  # one per open list: [next number] or [None] (bullets)
        self.links: list[tuple[str, int, int]] = []  # (href, line count and column where its text began)
        self.headings: list[tuple[str, int]] = []
        self.quote_depth = 0
        self.pre_depth = 0
        self.break_prefix = ""

    # --- where text goes ---

    @property
    def hidden(self) -> bool:
        return any(hides for _tag, hides in self.open)

    def _prefix(self) -> str:
        return "> " * self.quote_depth

    def ask_break(self, count: int) -> None:
        # A blank line between a quote and what is around it belongs to neither: take the outer prefix.
        prefix = self._prefix()
        self.break_prefix = min(self.break_prefix, prefix, key=len) if self.breaks else prefix
        self.breaks = max(self.breaks, count)

    def _flush_breaks(self) -> None:
        if not self.breaks:
            return
        if self.current.strip(" >"):
            self.lines.append(self.current.rstrip())
        self.current = ""
        if self.breaks > 1 and self.lines and self.lines[-1].strip(" >"):
            self.lines.append(self.break_prefix.rstrip())
        self.breaks = 0

    def write(self, text: str) -> None:
        if not text or self.hidden:
            return
        if self.breaks:
            self._flush_breaks()
        if not self.current:
            text = text.lstrip(" ") if not self.pre_depth else text
            if not text:
                return
            self.current = self._prefix()
        elif self.current.endswith(" ") and text.startswith(" "):
            text = text.lstrip(" ")
        self.current += text

    # --- parser callbacks ---

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        hides = tag in SKIPPED or bool(_HIDDEN.search(attributes.get("style", "")))
        if tag not in VOID:
            self.open.append((tag, hides))
        if self.hidden and tag not in VOID:
            return
        if tag in ("ul", "ol") and self.lists:
            self.ask_break(1)  # a list inside a list item
        elif tag in PARAGRAPHS:
            self.ask_break(2)
        elif tag in LINES:
            self.ask_break(1)
        if tag == "br":
            if self.current:
                self.lines.append(self.current.rstrip())
                self.current = ""
            elif not self.breaks:
                self.lines.append(self._prefix().rstrip())
        elif tag == "hr":
            self.ask_break(2)
            self.write("-" * 24)
            self.ask_break(2)
        elif tag == "img":
            alt = _SPACES.sub(" ", attributes.get("alt", "")).strip()
            if alt:
                self.write(alt)
        elif tag in ("ul", "ol"):
            start = attributes.get("start", "1")
            self.lists.append(
                [int(start) if tag == "ol" and start.isdigit() else (1 if tag == "ol" else None)]
            )
        elif tag == "li":
            marker = "- "
            if self.lists and self.lists[-1][0] is not None:
                number = self.lists[-1][0]
                marker = f"{number}. "
                self.lists[-1][0] = number + 1
            self._flush_breaks()
            if self.current.strip(" >"):
                self.lines.append(self.current.rstrip())
            self.current = self._prefix() + "  " * max(len(self.lists) - 1, 0) + marker
        elif tag == "a":
            self.links.append((attributes.get("href", "").strip(), len(self.lines), len(self.current)))
        elif tag == "blockquote":
            self.quote_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        elif tag in HEADING_UNDERLINE:
            self.headings.append((tag, len(self.lines)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        names = [name for name, _hides in self.open]
        if tag not in names:
            return
        was_hidden = self.hidden
        while self.open:
            name, _hides = self.open.pop()
            if name == tag:
                break
        if was_hidden:
            return
        if tag == "a" and self.links:
            self._end_link()
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "blockquote":
            self.ask_break(2)
            self.quote_depth = max(self.quote_depth - 1, 0)
        elif tag == "pre":
            self.pre_depth = max(self.pre_depth - 1, 0)
        elif tag in HEADING_UNDERLINE and self.headings:
            _name, _start = self.headings.pop()
            heading = self.current.strip(" >")
            if heading:
                self.lines.append(self.current.rstrip())
                self.current = ""
                width = (
                    len(self.placeholder.sub("x" * PLACEHOLDER_WIDTH, heading))
                    if self.placeholder
                    else len(heading)
                )
                self.lines.append(self._prefix() + HEADING_UNDERLINE[tag] * min(width, 60))
        if tag in ("ul", "ol") and self.lists:
            self.ask_break(1)
        elif tag in PARAGRAPHS:
            self.ask_break(2)
        elif tag in LINES:
            self.ask_break(1)

    def _end_link(self) -> None:
        href, line_index, column = self.links.pop()
        if not href or href.startswith("#"):
            return
        if line_index == len(self.lines):
            text = self.current[column:]
        else:
            text = "\n".join([*self.lines[line_index:], self.current])
        shown = _SPACES.sub(" ", text).strip(" >")
        address = href.removeprefix("mailto:") if href.lower().startswith("mailto:") else href
        if shown in (href, address):
            return
        self.write(f" ({address})" if shown else address)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre_depth:
            for number, piece in enumerate(data.split("\n")):
                if number:
                    self.lines.append(self.current.rstrip())
                    self.current = ""
                if piece:
                    self.write(piece)
            return
        self.write(_SPACES.sub(" ", data))

    def text(self) -> str:
        self.close()
        if self.current.strip(" >"):
            self.lines.append(self.current.rstrip())
        out: list[str] = []
        for line in self.lines:
            if not line.strip(" >") and (not out or not out[-1].strip(" >")):
                continue  # at most one blank line in a row, none at the start
            out.append(line)
        while out and not out[-1].strip(" >"):
            out.pop()
        return "\n".join(out) + "\n" if out else ""


def html_to_text(html: str, *, placeholder: re.Pattern[str] | None = None) -> str:
    """Readable plain text for an HTML email. `placeholder` matches stand-ins for values filled in
    later (merge tags), counted as a typical name's width when a heading is underlined."""
    writer = _TextWriter(placeholder)
    writer.feed(html)
    return writer.text()
