"""Spam defences of public forms: a honeypot field, a minimum time to fill the form (from a signed
render timestamp), and rate limits per IP address and per email address.

Rate limits count in the cache, so they are per process with the default local cache and shared
between processes once REDIS_URL is set. Replays of a submission already received do not count.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from leadline.core.signing import BadToken, make_token, read_token

logger = logging.getLogger("leadline.forms.spam")

HONEYPOT_FIELD = "ll_hp"
TOKEN_FIELD = "ll_token"
RENDER_TOKEN_PURPOSE = "forms.render"
RENDER_TOKEN_MAX_AGE = timedelta(hours=24)
# Overridable in settings: LEADLINE_FORMS_MIN_SECONDS, LEADLINE_FORMS_RATE_PER_IP (count, seconds),
# LEADLINE_FORMS_RATE_PER_EMAIL (count, seconds).
DEFAULT_MIN_SECONDS = 3.0
DEFAULT_RATE_PER_IP = (20, 600)
DEFAULT_RATE_PER_EMAIL = (5, 3600)


class SubmissionRefused(Exception):
    """A submission that is not accepted for a reason other than the values in it."""

    status = 400
    message = "Sorry, we could not accept this submission. Please try again in a moment."


class SpamSuspected(SubmissionRefused):
    """Honeypot filled or sent too fast. The visitor is told nothing more specific."""


class RateLimited(SubmissionRefused):
    status = 429
    message = "Too many submissions in a short time. Please wait a few minutes and try again."


class FormTokenInvalid(SubmissionRefused):
    message = "This form has expired. Please check your answers and send it again."


@dataclass(frozen=True)
class RenderToken:
    nonce: str
    rendered_at: datetime


def render_token_make(form: Any) -> str:
    """A token saying "this form was shown at this moment"; the nonce tells renders apart."""
    value = {"f": str(form.public_id), "t": timezone.now().timestamp(), "n": secrets.token_hex(8)}
    return make_token(value, purpose=RENDER_TOKEN_PURPOSE)


def render_token_read(token: Any, *, form: Any) -> RenderToken:
    try:
        value = read_token(token, purpose=RENDER_TOKEN_PURPOSE, max_age=RENDER_TOKEN_MAX_AGE)
    except BadToken:
        raise FormTokenInvalid("missing, altered or expired form token") from None
    if not isinstance(value, dict) or value.get("f") != str(form.public_id):
        raise FormTokenInvalid("token of another form")
    try:
        rendered_at = datetime.fromtimestamp(float(value["t"]), tz=UTC)
        nonce = str(value["n"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise FormTokenInvalid("malformed token") from None
    return RenderToken(nonce=nonce, rendered_at=rendered_at)


def check_not_spam(*, form: Any, data: Any, token: RenderToken, ip_address: str | None) -> None:
    """Raise SpamSuspected when a bot filled the honeypot or the form was sent inhumanly fast."""
    if str(data.get(HONEYPOT_FIELD) or "").strip():
        _log_refusal(form, "honeypot filled", ip_address)
        raise SpamSuspected("honeypot")
    minimum = float(getattr(settings, "LEADLINE_FORMS_MIN_SECONDS", DEFAULT_MIN_SECONDS))
    elapsed = (timezone.now() - token.rendered_at).total_seconds()
    if elapsed < minimum:
        _log_refusal(form, f"sent {elapsed:.1f}s after the form was shown", ip_address)
        raise SpamSuspected("too fast")


def check_rate_limits(*, form: Any, dedupe_key: str, ip_address: str | None, email: str) -> None:
    """Count a new submission against its IP address and email address; raise RateLimited past the
    limits. A submission seen before (a double click, a retry) is not counted again."""
    seen_key = f"forms:seen:{dedupe_key}"
    if not cache.add(seen_key, 1, timeout=3600):
        return
    ip_limit = getattr(settings, "LEADLINE_FORMS_RATE_PER_IP", DEFAULT_RATE_PER_IP)
    email_limit = getattr(settings, "LEADLINE_FORMS_RATE_PER_EMAIL", DEFAULT_RATE_PER_EMAIL)
    exceeded = (ip_address and _count_exceeds(f"ip:{ip_address}", *ip_limit)) or _count_exceeds(
        "email:" + hashlib.sha256(f"{form.pk}:{email}".encode()).hexdigest(), *email_limit
    )
    if exceeded:
        cache.delete(seen_key)
        _log_refusal(form, "rate limit reached", ip_address)
        raise RateLimited("rate limit")


def _count_exceeds(name: str, limit: int, window_seconds: int) -> bool:
    window = int(timezone.now().timestamp() // window_seconds)
    key = f"forms:rate:{name}:{window}"
    if cache.add(key, 1, timeout=window_seconds + 5):
        return limit < 1
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.add(key, 1, timeout=window_seconds + 5)
        return limit < 1


def _log_refusal(form: Any, reason: str, ip_address: str | None) -> None:
    logger.info("Form %r refused a submission from %s: %s", form.slug, ip_address or "unknown", reason)


def client_ip(request: Any) -> str | None:
    """The address the request came from (a reverse proxy in front must set REMOTE_ADDR)."""
    address = str(request.META.get("REMOTE_ADDR") or "").strip()
    return address or None
