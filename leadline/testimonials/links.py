"""The signed links a customer gets by email: one to leave a testimonial, one to confirm a team edit.

Each has its own token purpose, so neither can stand in for the other, and both expire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse

from leadline.core.access import parse_public_id
from leadline.core.signing import BadToken, make_token, read_token

COLLECT_PURPOSE = "testimonials.collect"
RECONSENT_PURPOSE = "testimonials.reconsent"
REQUEST_VALID_FOR = timedelta(days=30)
RECONSENT_VALID_FOR = timedelta(days=30)


@dataclass(frozen=True)
class ReconsentLink:
    testimonial_public_id: Any
    version: int


def collect_token(request_public_id: Any) -> str:
    return make_token({"r": str(request_public_id)}, purpose=COLLECT_PURPOSE)


def read_collect_token(token: Any) -> Any:
    """The request's public id; raises ExpiredToken or BadToken."""
    value = read_token(token, purpose=COLLECT_PURPOSE, max_age=REQUEST_VALID_FOR)
    public_id = parse_public_id(value.get("r")) if isinstance(value, dict) else None
    if public_id is None:
        raise BadToken("Bad token")
    return public_id


def reconsent_token(testimonial_public_id: Any, version: int) -> str:
    return make_token({"t": str(testimonial_public_id), "v": version}, purpose=RECONSENT_PURPOSE)


def read_reconsent_token(token: Any) -> ReconsentLink:
    value = read_token(token, purpose=RECONSENT_PURPOSE, max_age=RECONSENT_VALID_FOR)
    if not isinstance(value, dict):
        raise BadToken("Bad token")
    public_id = parse_public_id(value.get("t"))
    version = value.get("v")
    if public_id is None or not isinstance(version, int) or isinstance(version, bool):
        raise BadToken("Bad token")
    return ReconsentLink(testimonial_public_id=public_id, version=version)


def absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def collect_url(request_public_id: Any) -> str:
    return absolute(reverse("testimonials_public:collect", args=[collect_token(request_public_id)]))


def collect_preview_url() -> str:
    """The collection page as a customer would see it, for emails of a workflow test run: it saves
    nothing and belongs to no contact."""
    return absolute(reverse("testimonials_public:collect_preview"))


def reconsent_url(testimonial_public_id: Any, version: int) -> str:
    return absolute(
        reverse("testimonials_public:reconsent", args=[reconsent_token(testimonial_public_id, version)])
    )
