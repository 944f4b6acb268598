"""Access of lifetime value by segment: a shared comparison read with a `sales:read` token, each
segment counting the members the reader may see."""

from __future__ import annotations

from typing import Any

from tests.access_areas import Route

API_ROUTES = [
    Route("clv_by_segment", "GET", "/reports/lifetime-value/segments", "sales:read"),
]

API_EXPECT: dict[str, dict[str, Any]] = {"clv_by_segment": {}}
