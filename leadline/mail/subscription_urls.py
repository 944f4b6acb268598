"""URLs of subscription types (settings), included under /email/subscriptions/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
