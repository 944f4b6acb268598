"""URLs of the suppression list, included under /email/suppression/."""

from django.urls import URLPattern, path

from leadline.mail import suppression_views

urlpatterns: list[URLPattern] = [
    path("", suppression_views.suppression_list, name="suppression_list"),
    path("add/", suppression_views.suppression_add, name="suppression_add"),
    path("import/", suppression_views.suppression_import, name="suppression_import"),
    path("export.csv", suppression_views.suppression_export, name="suppression_export"),
    path("<uuid:public_id>/remove/", suppression_views.suppression_remove, name="suppression_remove"),
]
