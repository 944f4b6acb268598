"""URLs of sending domains (settings), included under /email/domains/."""

from django.urls import path

from leadline.mail import domain_views

urlpatterns = [
    path("", domain_views.domain_list, name="domain_list"),
    path("new/", domain_views.domain_add, name="domain_add"),
    path("<uuid:public_id>/", domain_views.domain_detail, name="domain_detail"),
    path("<uuid:public_id>/check/", domain_views.domain_check, name="domain_check"),
    path("<uuid:public_id>/delete/", domain_views.domain_delete, name="domain_delete"),
]
