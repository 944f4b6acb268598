"""The app's main navigation."""

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
    NavItem("Email", "mail:index", "mail", "Marketing", ("admin", "marketing")),
    NavItem("Automation", "automation:list", "flow", "Marketing", ("admin", "marketing")),
    NavItem("Hand-off", "sales:queue", "handoff", "Sales"),
    NavItem("Deals", "sales:deal_board", "kanban", "Sales"),
    NavItem("Orders", "sales:order_list", "list", "Sales"),
    NavItem("Tasks", "sales:my_day", "check", "Sales"),
    NavItem("Meetings", "sales:meeting_list", "calendar", "Sales"),
    NavItem("Testimonials", "testimonials:list", "star", "Grow"),
    NavItem("Reports", "analytics:index", "chart", "Measure"),
    NavItem("Attribution", "analytics:attribution", "chart", "Measure"),
    NavItem("Lifetime value", "analytics:lifetime_value", "star", "Measure"),
]
