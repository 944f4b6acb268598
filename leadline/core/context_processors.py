from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from leadline.core.navigation import NAVIGATION


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = "admin" if user.is_admin else user.role
    sections: dict[str, list[dict[str, Any]]] = {}
    path = request.path
    for item in NAVIGATION:
        if role not in item.roles:
            continue
        url = None
        if item.url_name:
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                url = None
        active = bool(url) and (path == url if url == "/" else path.startswith(url or "\0"))
        sections.setdefault(item.section, []).append(
            {"label": item.label, "url": url, "icon": item.icon, "active": active}
        )
    return {"nav_sections": sections}
