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
    entries: list[dict[str, Any]] = []
    for item in NAVIGATION:
        if role not in item.roles:
            continue
        url = None
        if item.url_name:
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                url = None
        entry = {"label": item.label, "url": url, "icon": item.icon, "active": False}
        entries.append(entry)
        sections.setdefault(item.section, []).append(entry)
    # The longest matching URL wins, so /contacts/companies/ lights up Companies, not Contacts too.
    path = request.path
    matches = [
        entry
        for entry in entries
        if entry["url"] and (path == entry["url"] or (entry["url"] != "/" and path.startswith(entry["url"])))
    ]
    if matches:
        max(matches, key=lambda entry: len(entry["url"]))["active"] = True
    return {"nav_sections": sections}
