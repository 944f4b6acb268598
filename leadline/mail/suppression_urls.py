"""URLs of the suppression list, included under /email/suppression/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
