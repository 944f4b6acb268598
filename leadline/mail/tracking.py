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

from leadline.core.signing import BadToken, make_compact_token, read_compact_token

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


def track_html(body: str, *, message_public_id: Any, unsubscribe_url: str = "") -> str:
    """Point every web link of a rendered HTML body at `/c/<token>` and add the open pixel.
    The unsubscribe link is left alone: unsubscribing must not depend on the tracker."""
    base = settings.BASE_URL
    ours = base + "/u/"
    # The message's id, as the tokens carry it, worked out once for all its links.
    message_id = UUID(str(message_public_id)).bytes
    cache: dict[str, str] = {}

    def rewrite(match: re.Match[str]) -> str:
        url = html.unescape(match.group(3))
        if url == unsubscribe_url or url.startswith(ours):
            return match.group(0)
        tracked = cache.get(url)
        if tracked is None:
            token = make_compact_token(message_id + url.encode(), purpose=CLICK_PURPOSE)
            tracked = cache[url] = f"{base}/c/{token}"
        return f"{match.group(1)}{match.group(2)}{tracked}{match.group(2)}"

    tracked_body = TRACKED_LINK.sub(rewrite, body)
    pixel = open_pixel(base, message_id)
    closing = tracked_body.lower().rfind("</body>")
    if closing == -1:
        return tracked_body + pixel
    return tracked_body[:closing] + pixel + tracked_body[closing:]
