"""Checking rendered email HTML the way a browser would read it."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def assert_no_active_content(html: str) -> None:
    """As a browser would parse it: no script element, no event handler, no javascript: link."""
    parser = _Elements()
    parser.feed(html)
    for tag, attributes in parser.found:
        assert tag not in ("script", "iframe", "object", "embed"), tag
        for name, value in attributes:
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert not re.match(r"\s*(javascript|vbscript|data):", value or "", re.IGNORECASE), value
