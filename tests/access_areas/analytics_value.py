"""Access of the attribution and lifetime-value reports.

The reports are shared numbers that name no one: admins, marketing and sales all read them (with a
`sales:read` token in the API). The customers listed by name, and a contact's own value, follow
contact visibility: sam does not see the value of oscar's contact.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.access_areas import Entry, Route, everyone, oscars

UI_ROUTES: dict[str, Entry] = {
    "analytics:attribution": everyone("/reports/attribution/"),
    "analytics:attribution_export": everyone("/reports/attribution/export.csv"),
    "analytics:lifetime_value": everyone("/reports/lifetime-value/"),
    "analytics:contact_value": oscars("/reports/lifetime-value/contacts/{contact}/"),
}

API_ROUTES = [
    Route("attribution_table", "GET", "/reports/attribution", "sales:read"),
    Route("clv_summary", "GET", "/reports/lifetime-value", "sales:read"),
    Route("clv_fit_latest", "GET", "/reports/lifetime-value/fit", "sales:read"),
    Route("contact_lifetime_value", "GET", "/contacts/{contact}/lifetime-value", "sales:read"),
]

API_EXPECT: dict[str, dict[str, Any]] = {
    "attribution_table": {},
    "clv_summary": {},
    "clv_fit_latest": {},
    "contact_lifetime_value": {"sam": 404},
}


def _fitted() -> dict[str, str]:
    """A fit in use, so that the latest-fit route answers."""
    from leadline.analytics.models import ClvFit

    fit = ClvFit.objects.create(
        until=date(2026, 1, 31),
        customers=10,
        repeat_customers=4,
        currency="USD",
        parameters={"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4, "p": None, "q": None, "gamma": None},
        log_likelihood=-100.0,
    )
    return {"clvfit": str(fit.public_id)}


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    return _fitted()


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _fitted()
