"""URLs of the reports (dashboards, funnel, attribution, lifetime value, goals), mounted at /reports/."""

from django.urls import URLPattern

app_name = "analytics"

urlpatterns: list[URLPattern] = []
