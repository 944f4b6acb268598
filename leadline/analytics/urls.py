"""URLs of the reports (dashboards, funnel, attribution, lifetime value, goals), mounted at /reports/."""

from django.urls import URLPattern, URLResolver, include, path

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("leadline.analytics.value_urls")),
]
