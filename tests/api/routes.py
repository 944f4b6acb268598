"""Every API operation with the scope it needs, so access tests cover each one.

test_route_access checks this table against the API itself: a new route without an entry fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Route:
    url_name: str
    method: str
    path: str  # with {contact}, {company}, {property}, {note} placeholders
    scope: str | None
    body: Any = None


ROUTES = [
    Route("me", "GET", "/me", None),
    Route("contact_list", "GET", "/contacts", "contacts:read"),
    Route("contact_upsert", "POST", "/contacts", "contacts:write", {"email": "new@example.org"}),
    Route("contact_get", "GET", "/contacts/{contact}", "contacts:read"),
    Route("contact_update", "PATCH", "/contacts/{contact}", "contacts:write", {"city": "Leeds"}),
    Route("contact_delete", "DELETE", "/contacts/{contact}", "contacts:write"),
    Route(
        "contact_merge", "POST", "/contacts/{contact}/merge", "contacts:write", {"duplicate": "{duplicate}"}
    ),
    Route("contact_timeline", "GET", "/contacts/{contact}/timeline", "contacts:read"),
    Route("note_create", "POST", "/contacts/{contact}/notes", "contacts:write", {"body": "Called back"}),
    Route("note_update", "PATCH", "/notes/{note}", "contacts:write", {"body": "Edited"}),
    Route("note_delete", "DELETE", "/notes/{note}", "contacts:write"),
    Route("company_list", "GET", "/companies", "contacts:read"),
    Route("company_create", "POST", "/companies", "contacts:write", {"name": "Initech"}),
    Route("company_get", "GET", "/companies/{company}", "contacts:read"),
    Route("company_update", "PATCH", "/companies/{company}", "contacts:write", {"industry": "Software"}),
    Route("company_delete", "DELETE", "/companies/{company}", "contacts:write"),
    Route("property_list", "GET", "/properties", "contacts:read"),
    Route("property_create", "POST", "/properties", "settings:write", {"key": "plan", "label": "Plan"}),
    Route("property_update", "PATCH", "/properties/{property}", "settings:write", {"label": "Renamed"}),
    Route("property_delete", "DELETE", "/properties/{property}", "settings:write"),
]


def fill(value: Any, ids: dict[str, str]) -> Any:
    """Put the public ids of the test's objects into a path or body."""
    if isinstance(value, str):
        for name, public_id in ids.items():
            value = value.replace("{" + name + "}", public_id)
        return value
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value
