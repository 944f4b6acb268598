"""Which websites may embed a form and where a form may send people afterwards: the allowed domains
of the form's tracking site, matched exactly as the tracking endpoint matches them."""

from __future__ import annotations

from typing import Any

from leadline.tracking.selectors import origin_allowed as _origin_in


def _domains(site: Any) -> list[str]:
    if site is None:
        return []
    return [entry for entry in (site.allowed_domains or []) if isinstance(entry, str)]


def origin_allowed(site: Any, origin: str) -> bool:
    """May a page at `origin` (the browser's Origin header) submit this form?"""
    return bool(origin) and _origin_in(origin, _domains(site))


def redirect_allowed(site: Any, url: str) -> bool:
    """May a form send people to `url` after they submit? Only web addresses on the site's domains."""
    if not url or len(url) > 2000 or any(char in url for char in "\r\n\t\\ "):
        return False
    return url.lower().startswith(("http://", "https://")) and _origin_in(url, _domains(site))
