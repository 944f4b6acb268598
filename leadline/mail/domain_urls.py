"""URLs of sending domains (settings), included under /email/domains/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
