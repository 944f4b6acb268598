"""Every API operation with the scope it needs, so access tests cover each one.

test_route_access checks this table against the API itself: a new route without an entry fails.
"""

from __future__ import annotations

from typing import Any

from tests.access_areas import Route, area_modules

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
    Route("handoff_list", "GET", "/handoffs", "contacts:read"),
    Route("handoff_accept", "POST", "/handoffs/{handoff}/accept", "contacts:write"),
    Route("handoff_reject", "POST", "/handoffs/{handoff}/reject", "contacts:write", {"reason": "not-a-fit"}),
    Route("property_list", "GET", "/properties", "contacts:read"),
    Route("property_create", "POST", "/properties", "settings:write", {"key": "plan", "label": "Plan"}),
    Route("property_update", "PATCH", "/properties/{property}", "settings:write", {"label": "Renamed"}),
    Route("property_delete", "DELETE", "/properties/{property}", "settings:write"),
    Route("segment_list", "GET", "/segments", "contacts:read"),
    Route(
        "segment_create",
        "POST",
        "/segments",
        "contacts:write",
        {"name": "Keen", "definition": {"field": "score", "op": "gte", "value": 50}},
    ),
    Route(
        "segment_preview",
        "POST",
        "/segments/preview",
        "contacts:read",
        {"definition": {"field": "score", "op": "gte", "value": 1}},
    ),
    Route("segment_get", "GET", "/segments/{segment}", "contacts:read"),
    Route("segment_update", "PATCH", "/segments/{segment}", "contacts:write", {"name": "Renamed"}),
    Route("segment_delete", "DELETE", "/segments/{segment}", "contacts:write"),
    Route("segment_members", "GET", "/segments/{segment}/members", "contacts:read"),
    Route("segment_members_add", "POST", "/segments/{segment}/members", "contacts:write", {"contacts": []}),
    Route(
        "segment_members_remove",
        "POST",
        "/segments/{segment}/members/remove",
        "contacts:write",
        {"contacts": []},
    ),
    Route("contact_score", "GET", "/contacts/{contact}/score", "contacts:read"),
    Route("scoring_rule_list", "GET", "/scoring/rules", "contacts:read"),
    Route("scoring_rule_get", "GET", "/scoring/rules/{rule}", "contacts:read"),
    Route(
        "scoring_rule_create",
        "POST",
        "/scoring/rules",
        "settings:write",
        {"name": "Blog reader", "category": "engagement", "points": 1, "activity_kind": "page.view"},
    ),
    Route("scoring_rule_update", "PATCH", "/scoring/rules/{rule}", "settings:write", {"points": 7}),
    Route("scoring_rule_delete", "DELETE", "/scoring/rules/{rule}", "settings:write"),
]


for _area in area_modules():
    ROUTES.extend(getattr(_area, "API_ROUTES", []))


def fill(value: Any, ids: dict[str, str]) -> Any:
    """Put the public ids of the test's objects into a path or body."""
    if isinstance(value, str):
        for name, public_id in ids.items():
            value = value.replace("{" + name + "}", public_id)
        return value
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value
