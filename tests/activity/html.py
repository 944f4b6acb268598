"""Reading rendered HTML the way a browser would, to tell live markup from escaped text."""

from __future__ import annotations

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def parse_elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element (tag name, attributes) in `html`; escaped text produces none."""
    collector = _Collector()
    collector.feed(str(html))
    collector.close()
    return collector.elements


def live_scripts(html: str) -> list[str]:
    """Signs of executable markup: script elements, on* handlers, javascript: links."""
    found = []
    for tag, attributes in parse_elements(html):
        if tag == "script" and attributes.get("src") is None:
            found.append("inline <script>")
        for name, value in attributes.items():
            if name.startswith("on") and name not in ("on",):
                found.append(f"{tag} {name}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript"):
                found.append(f"{tag} {name}={value}")
    return found
