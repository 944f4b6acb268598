"""Open and click tracking of sent email: the signed tokens and the rewriting of a rendered message.

A click token signs the message's public id together with the link's address, so `/c/<token>`
can only ever redirect to an address that was in that message: a token someone edits fails its
signature (404), and there is no table of links to look up. The open pixel's token signs the
message id alone. They are compact tokens (`leadline.core.signing`): cheap enough to mint for every
link of every recipient, and they do not expire, so old emails keep working links.
"""

from __future__ import annotations

import html
import re
from typing import Any
from uuid import UUID

from django.conf import settings

from leadline.core.signing import BadToken, compact_signer, make_compact_token, read_compact_token, uuid_bytes

CLICK_PURPOSE = "mail.click"
OPEN_PURPOSE = "mail.open"

# Only real web links are tracked; mailto:, tel:, anchors and merge-tag leftovers stay as they are.
TRACKED_LINK = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"'\s<>]+)\2""", re.IGNORECASE)


def click_token(message_public_id: Any, url: str) -> str:
    return make_compact_token(UUID(str(message_public_id)).bytes + url.encode(), purpose=CLICK_PURPOSE)


def open_token(message_public_id: Any) -> str:
    return make_compact_token(UUID(str(message_public_id)).bytes, purpose=OPEN_PURPOSE)


def read_click_token(token: str) -> tuple[str, str]:
    """(message public id, url) from a click token; raises BadToken."""
    payload = read_compact_token(token, purpose=CLICK_PURPOSE)
    if len(payload) <= 16:
        raise BadToken("Bad token")
    try:
        return str(UUID(bytes=payload[:16])), payload[16:].decode()
    except UnicodeDecodeError:
        raise BadToken("Bad token") from None


def read_open_token(token: str) -> str:
    payload = read_compact_token(token, purpose=OPEN_PURPOSE)
    if len(payload) != 16:
        raise BadToken("Bad token")
    return str(UUID(bytes=payload))


def open_pixel(base: str, message_id: bytes) -> str:
    """The open pixel of the message whose public id is `message_id` (its 16 bytes)."""
    return (
        f'<img src="{base}/o/{make_compact_token(message_id, purpose=OPEN_PURPOSE)}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px">'
    )


class LinkTracker:
    """The tracked addresses of one message's links, each signed once. The unsubscribe link and
    the site's own /u/ pages are left alone: unsubscribing must not depend on the tracker."""

    def __init__(self, message_id: bytes, unsubscribe_url: str = "") -> None:
        self.message_id = message_id  # the 16 bytes of the message's public id
        self.unsubscribe_url = unsubscribe_url
        self.base = settings.BASE_URL
        self.ours = self.base + "/u/"
        self.sign = compact_signer(CLICK_PURPOSE)
        self.tracked: dict[str, str] = {}

    def address(self, quoted: str, url: str) -> str:
        """What stands in the HTML instead of `quoted`, the escaped form of the link `url`."""
        if url == self.unsubscribe_url or url.startswith(self.ours):
            return quoted
        tracked = self.tracked.get(url)
        if tracked is None:
            tracked = self.tracked[url] = f"{self.base}/c/{self.sign(self.message_id + url.encode())}"
        return tracked

    def rewrite(self, match: re.Match[str]) -> str:
        """For `TRACKED_LINK.sub`."""
        address = self.address(match.group(3), html.unescape(match.group(3)))
        return f"{match.group(1)}{match.group(2)}{address}{match.group(2)}"

    def pixel(self) -> str:
        return open_pixel(self.base, self.message_id)


def track_html(body: str, *, message_public_id: Any, unsubscribe_url: str = "") -> str:
    """Point every web link of a rendered HTML body at `/c/<token>` and add the open pixel."""
    tracker = LinkTracker(uuid_bytes(message_public_id), unsubscribe_url)
    tracked_body = TRACKED_LINK.sub(tracker.rewrite, body)
    pixel = tracker.pixel()
    closing = tracked_body.lower().rfind("</body>")
    if closing == -1:
        return tracked_body + pixel
    return tracked_body[:closing] + pixel + tracked_body[closing:]
