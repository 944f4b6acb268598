"""Tracking routes: the public snippet and collector, the Website screens and the site settings."""

from django.urls import path

from leadline.tracking import endpoints, views

app_name = "tracking"

urlpatterns = [
    path("t.js", endpoints.snippet, name="snippet"),
    path("t/collect", endpoints.collect, name="collect"),
    path("t/noop", endpoints.noop, name="noop"),
    path("website/", views.website, name="website"),
    path("website/visitors/", views.visitor_list, name="visitor_list"),
    path("settings/sites/", views.site_settings, name="site_list"),
    path("settings/sites/new/", views.site_create, name="site_create"),
    path("settings/sites/<uuid:public_id>/", views.site_edit, name="site_edit"),
    path("settings/sites/<uuid:public_id>/delete/", views.site_delete, name="site_delete"),
]
