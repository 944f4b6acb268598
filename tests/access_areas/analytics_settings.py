"""Access of the report settings (the brand terms): everyone signed in reads them; admins and
marketing change them (on screen a salesperson's POST gets a 403:
tests/analytics/dashboards/test_brand_reach.py)."""

from __future__ import annotations

from typing import Any

from tests.access_areas import Entry, Route, everyone

UI_ROUTES: dict[str, Entry] = {
    "analytics:report_settings": everyone("/reports/settings/"),
}

API_ROUTES = [
    Route("report_settings_get", "GET", "/reports/settings", "contacts:read"),
    Route("report_settings_update", "PATCH", "/reports/settings", "settings:write", {"brand_terms": "Acme"}),
]

API_EXPECT: dict[str, dict[str, Any]] = {
    "report_settings_get": {},
    "report_settings_update": {"sam": 403, "oscar": 403},
}
