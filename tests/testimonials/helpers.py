"""Shared steps of the testimonials tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from leadline.testimonials.links import collect_url, reconsent_url


def collect_path(request: Any) -> str:
    return urlsplit(collect_url(request.public_id)).path


def reconsent_path(testimonial: Any) -> str:
    return urlsplit(reconsent_url(testimonial.public_id, testimonial.proposal_version)).path


def answers(**changes: Any) -> dict[str, Any]:
    data = {
        "action": "submit",
        "rating": "5",
        "text": "Working with them was the best decision we made this year.",
        "display_name": "Ada L.",
        "role": "CTO",
        "company": "Analytical Engines",
        "consent": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
