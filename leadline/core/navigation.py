"""The app's main navigation. Areas not built yet are listed so the shell has its final shape."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str | None
    icon: str
    section: str
    roles: tuple[str, ...] = ("admin", "marketing", "sales")


NAVIGATION: list[NavItem] = [
    NavItem("Home", "core:home", "home", "Overview"),
    NavItem("Contacts", "contacts:list", "users", "Customers"),
    NavItem("Companies", "contacts:company_list", "building", "Customers"),
    NavItem("Website", "tracking:website", "globe", "Marketing"),
    NavItem("Forms", "forms:list", "form", "Marketing", ("admin", "marketing")),
    NavItem("Segments", "segments:list", "filter", "Marketing"),
    NavItem("Email", None, "mail", "Marketing", ("admin", "marketing")),
    NavItem("Automation", None, "flow", "Marketing", ("admin", "marketing")),
    NavItem("Hand-off", "sales:queue", "handoff", "Sales"),
    NavItem("Deals", None, "kanban", "Sales"),
    NavItem("Tasks", None, "check", "Sales"),
    NavItem("Meetings", None, "calendar", "Sales"),
    NavItem("Testimonials", None, "star", "Grow"),
    NavItem("Reports", None, "chart", "Measure"),
]
