"""Per-message return addresses: the VERP return path that bounces come back to, and the mailto
unsubscribe address of the List-Unsubscribe header.

Both are `<local>+<message>.<mac>@LEADLINE_BOUNCE_DOMAIN`: the message's public id in hex and a short
HMAC, so a bounce names its message without a lookup table and a forged address is ignored. Local
parts stay within the dot-atom characters every mail server accepts.
"""

from __future__ import annotations

import hmac
import re
from functools import lru_cache
from typing import Any
from uuid import UUID

from django.conf import settings

from leadline.core.signing import KeyedHash, uuid_bytes

BOUNCE_LOCAL = "bounce"
UNSUBSCRIBE_LOCAL = "unsubscribe"
_ADDRESS = re.compile(r"^(?P<local>[a-z]+)\+(?P<id>[0-9a-f]{32})\.(?P<mac>[0-9a-f]{16})@(?P<domain>[^@\s]+)$")


@lru_cache(maxsize=16)
def _key(local: str, secret: str) -> KeyedHash:
    return KeyedHash(f"leadline.mail.address.{local}:{secret}".encode())


def _mac(local: str, hex_id: str) -> str:
    return _key(local, settings.SECRET_KEY).digest(hex_id.encode()).hex()[:16]


def _address(local: str, message: Any) -> str:
    domain = settings.LEADLINE_BOUNCE_DOMAIN
    if not domain:
        return ""
    hex_id = uuid_bytes(message.public_id).hex()
    return f"{local}+{hex_id}.{_mac(local, hex_id)}@{domain}"


def return_path(message: Any) -> str:
    """The envelope sender (MAIL FROM) of `message`, or "" when no bounce domain is configured."""
    return _address(BOUNCE_LOCAL, message)


def unsubscribe_mailto(message: Any) -> str:
    """The `mailto:` half of List-Unsubscribe, or "" when no bounce domain is configured."""
    address = _address(UNSUBSCRIBE_LOCAL, message)
    return f"mailto:{address}?subject=unsubscribe" if address else ""


def read_address(address: str) -> tuple[str, UUID] | None:
    """("bounce" or "unsubscribe", message public id) from one of our addresses, else None."""
    match = _ADDRESS.match((address or "").strip().strip("<>").lower())
    if match is None or match["domain"] != settings.LEADLINE_BOUNCE_DOMAIN:
        return None
    local, hex_id = match["local"], match["id"]
    if local not in (BOUNCE_LOCAL, UNSUBSCRIBE_LOCAL):
        return None
    if not hmac.compare_digest(match["mac"], _mac(local, hex_id)):
        return None
    return local, UUID(hex_id)
