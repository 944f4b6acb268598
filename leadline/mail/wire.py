"""The HTML part of a compiled email, made ready for the wire once per template and run.

A campaign's messages differ only in a few places: the merge values, the signed tokens of its
tracked links and of its open pixel. Joining each message's HTML, finding its links with a pattern
and quoted-printable encoding the whole part again cost most of what sending a message costs. A
`WirePlan` does that work once: the literal stretches of the HTML are encoded in advance, and each
message only fills, signs and encodes what is its own.

Every stretch, encoded alone, ends in a soft line break (`=` and CRLF), which a mail reader removes:
the stretches read as one text, exactly the HTML that `CompiledEmail.render` followed by
`track_html` would give. Where the plan cannot promise that (a tag too odd to take apart), it says
so (`exact` is False) and the sender takes the long way.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.conf import settings

from leadline.mail.rendering import CompiledEmail, Piece, html_pieces_text, html_slot
from leadline.mail.tracking import TRACKED_LINK, LinkTracker
from leadline.mail.transport import quoted_printable

# Literal text shorter than this between two per-message pieces is encoded with them, per message:
# fewer, longer stretches, so fewer soft line breaks and fewer calls to the encoder.
SHORT_LITERAL = 200
_ANCHOR = re.compile(r"<a\b[^>]*", re.IGNORECASE)


@dataclass(frozen=True)
class _Click:
    """A tracked link whose address is the same for every recipient: only its token differs."""

    quoted: str  # the address as it stands in the HTML (escaped)
    url: str


@dataclass(frozen=True)
class _Anchor:
    """An `<a …` tag holding merge values: filled, then its link tracked as `track_html` would."""

    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class _Pixel:
    pass


_Part = Piece | _Click | _Anchor | _Pixel


@dataclass(frozen=True)
class _Stretch:
    """Literal HTML, encoded once."""

    text: str
    encoded: bytes


@dataclass
class _Message:
    """What one recipient's pieces are filled from."""

    filled: list[str]
    links: LinkTracker


def _part_text(part: _Part, message: _Message) -> str:
    if isinstance(part, tuple):
        return html_slot(part, message.filled)
    if isinstance(part, _Click):
        return message.links.address(part.quoted, part.url)
    if isinstance(part, _Anchor):
        return TRACKED_LINK.sub(message.links.rewrite, html_pieces_text(part.pieces, message.filled))
    if isinstance(part, _Pixel):
        return message.links.pixel()
    return part


@dataclass(frozen=True)
class _Run:
    """Parts filled per message, with the short literal text between them."""

    texts: tuple[str, ...]  # the literal parts, and "" where a part is filled per message
    filled: tuple[tuple[int, _Part], ...]  # (position, part) of the parts filled per message

    @classmethod
    def of(cls, parts: list[_Part]) -> _Run:
        return cls(
            tuple(part if isinstance(part, str) else "" for part in parts),
            tuple((position, part) for position, part in enumerate(parts) if not isinstance(part, str)),
        )

    def text(self, message: _Message) -> str:
        texts = list(self.texts)
        for position, part in self.filled:
            texts[position] = _part_text(part, message)
        return "".join(texts)


def _encoded_stretch(text: str) -> bytes:
    """`text` quoted-printable, ending in a line break: a soft one unless it ends a line itself."""
    encoded = quoted_printable(text)
    return encoded if not encoded or encoded.endswith(b"\r\n") else encoded + b"=\r\n"


@dataclass(frozen=True)
class WirePlan:
    """The HTML part of one compiled email for one site address, tracked or not."""

    items: tuple[_Stretch | _Run, ...]
    exact: bool = True

    def fill(
        self, filled: list[str], *, message_id: bytes = b"", unsubscribe_url: str = ""
    ) -> tuple[str, bytes]:
        """(the HTML, its quoted-printable bytes) for one recipient's filled merge tags."""
        message = _Message(filled, LinkTracker(message_id, unsubscribe_url))
        texts: list[str] = []
        chunks: list[bytes] = []
        for item in self.items:
            if isinstance(item, _Stretch):
                texts.append(item.text)
                chunks.append(item.encoded)
            else:
                text = item.text(message)
                texts.append(text)
                chunks.append(_encoded_stretch(text))
        return "".join(texts), b"".join(chunks)


def _marked(pieces: tuple[Piece, ...]) -> tuple[str, str, list[tuple[int, str]]]:
    """The HTML with each merge slot as a marker no literal text holds, the marker pattern, and the
    slots in order."""
    text = "".join(piece for piece in pieces if isinstance(piece, str))
    nonce = 0
    while f"\x00{nonce}:" in text:
        nonce += 1
    slots = [piece for piece in pieces if not isinstance(piece, str)]
    counter = iter(range(len(slots)))
    marked = "".join(
        piece if isinstance(piece, str) else f"\x00{nonce}:{next(counter)}\x00" for piece in pieces
    )
    return marked, rf"\x00{nonce}:(\d+)\x00", slots


def _split(text: str, marker: re.Pattern[str], slots: list[tuple[int, str]]) -> list[Piece]:
    out: list[Piece] = []
    position = 0
    for match in marker.finditer(text):
        if match.start() > position:
            out.append(text[position : match.start()])
        out.append(slots[int(match.group(1))])
        position = match.end()
    if position < len(text):
        out.append(text[position:])
    return out


def _plan_parts(compiled: CompiledEmail, *, tracked: bool) -> tuple[list[_Part], bool]:
    marked, marker_pattern, slots = _marked(compiled.html)
    marker = re.compile(marker_pattern)
    if not tracked:
        return list[_Part](_split(marked, marker, slots)), True

    def links(text: str) -> list[_Part]:
        parts: list[_Part] = []
        position = 0
        for anchor in _ANCHOR.finditer(text):
            parts.extend(_split(text[position : anchor.start()], marker, slots))
            span = anchor.group(0)
            if marker.search(span):
                parts.append(_Anchor(tuple(_split(span, marker, slots))))
            else:
                at = 0
                for link in TRACKED_LINK.finditer(span):
                    parts.append(span[at : link.start(3)])
                    parts.append(_Click(link.group(3), html.unescape(link.group(3))))
                    at = link.end(3)
                parts.append(span[at:])
            position = anchor.end()
        parts.extend(_split(text[position:], marker, slots))
        return parts

    # The pixel goes before the last </body>, as `track_html` puts it; no merge value or tracked
    # link can hold one, so the literal text says where.
    closing = marked.lower().rfind("</body>")
    pixel_at = len(marked) if closing == -1 else closing
    exact = not any(anchor.start() < pixel_at < anchor.end() for anchor in _ANCHOR.finditer(marked))
    return [*links(marked[:pixel_at]), _Pixel(), *links(marked[pixel_at:])], exact


def _grouped(parts: list[_Part]) -> tuple[_Stretch | _Run, ...]:
    """Long literal stretches on their own, encoded now; everything else in runs filled per message."""
    merged: list[_Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    items: list[_Stretch | _Run] = []
    run: list[_Part] = []
    for index, part in enumerate(merged):
        inner = 0 < index < len(merged) - 1
        if isinstance(part, str) and not (inner and len(part) < SHORT_LITERAL):
            if run:
                items.append(_Run.of(run))
                run = []
            items.append(_Stretch(part, _encoded_stretch(part)))
        else:
            run.append(part)
    if run:
        items.append(_Run.of(run))
    return tuple(items)


def wire_plan(compiled: CompiledEmail, *, tracked: bool) -> WirePlan:
    """The plan of `compiled`'s HTML, made once per compiled email, site address and tracking."""
    key = ("wire", tracked, settings.BASE_URL)
    plan = compiled.cache.get(key)
    if plan is None:
        parts, exact = _plan_parts(compiled, tracked=tracked)
        plan = compiled.cache[key] = WirePlan(_grouped(parts), exact)
    return plan
