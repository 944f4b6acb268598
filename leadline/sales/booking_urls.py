"""URLs of the public booking pages at /meet/<slug>: free slots, booking, cancel and reschedule links."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
