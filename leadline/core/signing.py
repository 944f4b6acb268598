"""Signed, expiring tokens for public links (invitations, unsubscribe, click and open tracking).

Each purpose has its own salt, so a token minted for one kind of link is worthless for another.
Tokens are URL-safe and carry a timestamp; `read_token` checks both the signature and the age.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import signing

SALT_PREFIX = "leadline.token."
# A signed token past this length is not one of ours; refusing it early keeps hostile input cheap.
MAX_TOKEN_LENGTH = 2000


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
