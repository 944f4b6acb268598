"""Access table of sending domains: admins add and remove them; marketing sees them and may check
them again; sales see none (403 on the screens, 404 or an empty list in the API)."""

from __future__ import annotations

from typing import Any

from leadline.mail.models import SendingDomain
from tests.access_areas import Route, admin_only, importers

D = "/email/domains/{emaildomain}"
SALES = {"sam": 403, "oscar": 403}

UI_ROUTES = {
    "mail:domain_list": importers("/email/domains/"),
    "mail:domain_add": admin_only("/email/domains/new/"),
    "mail:domain_detail": importers(f"{D}/"),
    "mail:domain_check": importers(f"{D}/check/", "POST"),
    "mail:domain_delete": admin_only(f"{D}/delete/"),
}

API_ROUTES = [
    Route("mail_domain_list", "GET", "/email/domains", "contacts:read"),
    Route("mail_domain_add", "POST", "/email/domains", "settings:write", {"domain": "contoso.example"}),
    Route("mail_domain_get", "GET", "/email/domains/{emaildomain}", "contacts:read"),
    Route("mail_domain_check", "POST", "/email/domains/{emaildomain}/check", "settings:write"),
    Route(
        "mail_domain_delete",
        "DELETE",
        "/email/domains/{emaildomain}?confirm={emaildomainname}",
        "settings:write",
    ),
]

# Sales tokens cannot hold settings:write; marketing may check but not add or remove.
API_EXPECT: dict[str, dict[str, Any]] = {
    "mail_domain_list": {},
    "mail_domain_add": {"maria": 403, **SALES},
    "mail_domain_get": {"sam": 404, "oscar": 404},
    "mail_domain_check": SALES,
    "mail_domain_delete": {"maria": 403, **SALES},
}


def _objects() -> dict[str, str]:
    # A made-up key: generating a real one for every access test would only cost time.
    domain = SendingDomain.objects.create(
        domain="northwind.example", dkim_private_key="not-a-real-key", dkim_public_key="bm90LWEta2V5"
    )
    return {"emaildomain": str(domain.public_id), "emaildomainname": domain.domain}


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    return _objects()


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _objects()
