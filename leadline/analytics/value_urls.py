"""URLs of attribution and lifetime-value reports, included under /reports/."""

from django.urls import URLPattern, path

from leadline.analytics import value_views as views

urlpatterns: list[URLPattern] = [
    path("attribution/", views.attribution, name="attribution"),
    path("attribution/export.csv", views.attribution_export, name="attribution_export"),
    path("lifetime-value/", views.lifetime_value, name="lifetime_value"),
    path("lifetime-value/contacts/<uuid:public_id>/", views.contact_value, name="contact_value"),
]
