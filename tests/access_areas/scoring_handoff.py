"""Access of the predictive score, the in-app notifications and the routing settings.

Notifications are private: only the person they were sent to may open or mark them, so oscar's
answers 404 to everyone else, admins included. Routing settings are admins' alone; salespeople may
still list the rejection reasons, whose keys they need to send a lead back through the API.
"""

from __future__ import annotations

from typing import Any

from leadline.core.models import Notification
from leadline.sales.models import RejectionReason, RoutingRule
from tests.access_areas import OK, PUBLIC, Entry, Route, admin_only, everyone, importers

# Placeholders are plain lower-case words: the OpenAPI check matches {[a-z]+} in paths.

UI_ROUTES: dict[str, Entry] = {
    "scoring:predictive_train": importers("/settings/scoring/predictive/train/", "POST"),
    "core:notifications": everyone("/notifications/"),
    # Signed out, the badge answers 204 (nothing to swap in) rather than the sign-in page.
    "core:notifications_badge": Entry("/notifications/unread/", anonymous=PUBLIC),
    "core:notifications_read_all": everyone("/notifications/read-all/", "POST"),
    "core:notification_open": Entry("/notifications/{inboxnote}/", expect={"oscar": OK}, default=404),
    "core:notification_read": Entry(
        "/notifications/{inboxnote}/read/", "POST", expect={"oscar": OK}, default=404
    ),
    "sales:rule_edit": admin_only("/settings/handoff/rules/{routingrule}/"),
    "sales:rule_move": admin_only(
        "/settings/handoff/rules/{routingrule}/move/", "POST", data={"direction": "up"}
    ),
}

ADMINS_ONLY = {"maria": 403, "sam": 403, "oscar": 403}

API_ROUTES: list[Route] = [
    Route("scoring_model", "GET", "/scoring/model", "contacts:read"),
    Route("scoring_model_train", "POST", "/scoring/model/train", "settings:write"),
    Route("notification_list", "GET", "/notifications", None),
    Route("notification_read", "POST", "/notifications/{inboxnote}/read", None),
    Route("notifications_read_all", "POST", "/notifications/read-all", None),
    Route("routing_settings_get", "GET", "/routing/settings", "contacts:read"),
    Route(
        "routing_settings_update", "PATCH", "/routing/settings", "settings:write", {"sla_working_hours": 6}
    ),
    Route("routing_rule_list", "GET", "/routing/rules", "contacts:read"),
    Route(
        "routing_rule_create",
        "POST",
        "/routing/rules",
        "settings:write",
        {"name": "Nordics", "countries": ["SE", "Norway"], "use_company_owner": True},
    ),
    # Bodies are filled in only at the top level: an empty order (a no-op) stands in here.
    Route("routing_rules_reorder", "POST", "/routing/rules/reorder", "settings:write", {"rules": []}),
    Route(
        "routing_rule_update",
        "PATCH",
        "/routing/rules/{routingrule}",
        "settings:write",
        {"name": "Renamed"},
    ),
    Route("routing_rule_delete", "DELETE", "/routing/rules/{routingrule}", "settings:write"),
    Route("rejection_reason_list", "GET", "/routing/rejection-reasons", "contacts:read"),
    Route(
        "rejection_reason_create",
        "POST",
        "/routing/rejection-reasons",
        "settings:write",
        {"label": "Already a customer elsewhere"},
    ),
    Route(
        "rejection_reason_update",
        "PATCH",
        "/routing/rejection-reasons/{rejectreason}",
        "settings:write",
        {"active": False},
    ),
]

API_EXPECT: dict[str, dict[str, Any]] = {
    "scoring_model": {},
    "scoring_model_train": {"sam": 403, "oscar": 403},
    "notification_list": {},
    "notification_read": {"alice": 404, "maria": 404, "sam": 404},
    "notifications_read_all": {},
    "routing_settings_get": ADMINS_ONLY,
    "routing_settings_update": ADMINS_ONLY,
    "routing_rule_list": ADMINS_ONLY,
    "routing_rule_create": ADMINS_ONLY,
    "routing_rules_reorder": ADMINS_ONLY,
    "routing_rule_update": ADMINS_ONLY,
    "routing_rule_delete": ADMINS_ONLY,
    "rejection_reason_list": {},
    "rejection_reason_create": ADMINS_ONLY,
    "rejection_reason_update": ADMINS_ONLY,
}


def _objects(owner: Any) -> dict[str, str]:
    notification = Notification.objects.create(
        user=owner, kind="handoff.routed", title="New lead for you", url="/handoff/"
    )
    rule = RoutingRule.objects.create(name="Nordics", countries=["SE"], use_company_owner=True)
    reason = RejectionReason.objects.create(key="sh-duplicate", label="Duplicate lead", position=99)
    return {
        "inboxnote": str(notification.public_id),
        "routingrule": str(rule.public_id),
        "rejectreason": str(reason.public_id),
    }


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    return _objects(personas["oscar"])


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _objects(alice)
