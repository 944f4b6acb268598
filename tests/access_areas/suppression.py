"""Access table of the suppression list (screens and API) and of the public inbound endpoints:
admins and marketing manage the list, sales are refused (403). The relay endpoint refuses a wrong
token (403); the provider webhooks answer 404 while no webhook secret is configured."""

from __future__ import annotations

from typing import Any

from anymail import urls as anymail_urls
from django.urls import URLPattern

from leadline.mail.models import Suppression
from tests.access_areas import Entry, Route, importers, public

SALES_403 = {"sam": 403, "oscar": 403}

UI_ROUTES: dict[str, Entry] = {
    "mail:suppression_list": importers("/email/suppression/"),
    "mail:suppression_add": importers("/email/suppression/add/"),
    "mail:suppression_import": importers("/email/suppression/import/"),
    "mail:suppression_export": importers("/email/suppression/export.csv"),
    "mail:suppression_remove": importers("/email/suppression/{suppression}/remove/"),
    "mail_inbound:relay": Entry("/email/inbound/relay/not-a-token/", "POST", default=403, anonymous=403),
}

# django-anymail's webhook views, one per provider; without ANYMAIL["WEBHOOK_SECRET"] they are closed.
for _pattern in anymail_urls.urlpatterns:
    if isinstance(_pattern, URLPattern) and _pattern.name:
        _path = "/email/inbound/esp/" + str(_pattern.pattern).lstrip("^").rstrip("$").replace("(_mime)?", "")
        UI_ROUTES[f"mail_inbound:anymail:{_pattern.name}"] = public(_path, "POST")

API_ROUTES = [
    Route("suppression_list", "GET", "/email/suppression", "contacts:read"),
    Route(
        "suppression_add",
        "POST",
        "/email/suppression",
        "contacts:write",
        {"email": "someone@example.org", "reason": "manual"},
    ),
    Route(
        "suppression_check",
        "POST",
        "/email/suppression/check",
        "contacts:read",
        {"email": "gone@example.org"},
    ),
    Route("suppression_remove", "DELETE", "/email/suppression/{suppression}", "contacts:write"),
]

API_EXPECT: dict[str, dict[str, Any]] = {
    "suppression_list": SALES_403,
    "suppression_add": SALES_403,
    "suppression_check": SALES_403,
    "suppression_remove": SALES_403,
}


def _objects() -> dict[str, str]:
    entry, _created = Suppression.objects.get_or_create(
        email="gone@example.org", defaults={"reason": Suppression.Reason.HARD_BOUNCE}
    )
    return {"suppression": str(entry.public_id)}


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    return _objects()


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _objects()
