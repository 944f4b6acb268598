"""URLs of the reports (dashboards, funnel, attribution, lifetime value, goals), mounted at /reports/."""

from django.urls import URLPattern, URLResolver, include, path

from leadline.analytics import settings_views, views

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("marketing/", views.marketing, name="marketing"),
    path("sales/", views.sales, name="sales"),
    path("behind/", views.drill, name="drill"),
    path("goals/", views.goal_list, name="goal_list"),
    path("goals/<str:goal_id>/delete/", views.goal_delete, name="goal_delete"),
    path("custom/", views.report_list, name="report_list"),
    path("custom/<str:report_id>/", views.report_detail, name="report_detail"),
    path("custom/<str:report_id>/export.csv", views.report_export, name="report_export"),
    path("custom/<str:report_id>/delete/", views.report_delete, name="report_delete"),
    path("settings/", settings_views.report_settings, name="report_settings"),
    path("<slug:dashboard>/export/<slug:table>.csv", views.export, name="export"),
    path("", include("leadline.analytics.value_urls")),
]
