"""URLs of attribution and lifetime-value reports, included under /reports/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
