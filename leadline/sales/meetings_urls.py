"""URLs of availability, meeting types and booked meetings (the signed-in side)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
