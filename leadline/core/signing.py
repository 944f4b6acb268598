"""Signed, expiring tokens for public links (invitations, unsubscribe, click and open tracking).

Each purpose has its own salt, so a token minted for one kind of link is worthless for another.
Tokens are URL-safe and carry a timestamp; `read_token` checks both the signature and the age.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

SALT_PREFIX = "leadline.token."
# A signed token past this length is not one of ours; refusing it early keeps hostile input cheap.
MAX_TOKEN_LENGTH = 2000
_B64_URL = re.compile(r"[A-Za-z0-9_-]*")


class BadToken(Exception):
    """The token was altered, truncated, made for another purpose, or is not a token at all."""


class ExpiredToken(BadToken):
    """The signature is good but the token is older than allowed."""


def _salt(purpose: str) -> str:
    if not purpose or not purpose.replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"A token purpose must be a dotted identifier, not {purpose!r}.")
    return SALT_PREFIX + purpose


def make_token(value: Any, *, purpose: str) -> str:
    """Sign a JSON-serialisable value for `purpose`. The result is safe in a URL path segment."""
    return signing.dumps(value, salt=_salt(purpose), compress=True)


def read_token(token: Any, *, purpose: str, max_age: timedelta | None) -> Any:
    """Return the value signed into `token`, or raise ExpiredToken / BadToken."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise BadToken("Malformed token")
    try:
        return signing.loads(token, salt=_salt(purpose), max_age=max_age)
    except signing.SignatureExpired:
        raise ExpiredToken("Token expired") from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise BadToken("Bad token") from None


# --- Compact tokens --------------------------------------------------------------------------------
# Email links are minted for every recipient of a campaign (a click token for each link, an open
# pixel, an unsubscribe link), so they must be cheap to make and short: the payload is raw bytes,
# the key is derived once per purpose, and the token is `<payload>.<mac>` in URL-safe base64.
# They never expire: an email keeps working links.

COMPACT_MAC_BYTES = 16


class KeyedHash:
    """HMAC-SHA256 (RFC 2104) under one key, its padded keys hashed once: a campaign signs several
    links for every recipient, and `hmac` would start from the key each time."""

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(key.translate(_INNER_PAD))
        self._outer = hashlib.sha256(key.translate(_OUTER_PAD))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))


@lru_cache(maxsize=64)
def _compact_key(purpose: str, secret: str) -> KeyedHash:
    return KeyedHash(salted_hmac(_salt(purpose), "compact-token", secret=secret, algorithm="sha256").digest())


def _compact_mac(payload: bytes, purpose: str, secret: str) -> bytes:
    return _compact_key(purpose, secret).digest(payload)[:COMPACT_MAC_BYTES]


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> str:
    # binascii and a translation table: base64.urlsafe_b64encode does the same in three more steps.
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def uuid_bytes(value: Any) -> bytes:
    """The 16 bytes of a UUID, given as one or as its text: what compact tokens carry of an id."""
    return (value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))).bytes


def make_compact_token(payload: bytes, *, purpose: str) -> str:
    """Sign `payload` for `purpose`; the result is safe in a URL path segment."""
    return compact_signer(purpose)(payload)


def compact_signer(purpose: str) -> Callable[[bytes], str]:
    """`make_compact_token` for one purpose, its key looked up once: for signing many payloads."""
    key = _compact_key(purpose, settings.SECRET_KEY)

    def sign(payload: bytes) -> str:
        return f"{_b64(payload)}.{_b64(key.digest(payload)[:COMPACT_MAC_BYTES])}"

    return sign


def read_compact_token(token: Any, *, purpose: str) -> bytes:
    """The payload signed into `token` (with the secret key or one of its fallbacks), or BadToken."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise BadToken("Malformed token")
    encoded, encoded_mac = token.split(".")
    if not _B64_URL.fullmatch(encoded) or not _B64_URL.fullmatch(encoded_mac):
        raise BadToken("Malformed token")
    try:
        payload, given = _unb64(encoded), _unb64(encoded_mac)
    except (ValueError, binascii.Error):
        raise BadToken("Malformed token") from None
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        if hmac.compare_digest(given, _compact_mac(payload, purpose, secret)):
            return payload
    raise BadToken("Bad token")
