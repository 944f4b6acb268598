"""URLs of tasks and the my-day queue."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
