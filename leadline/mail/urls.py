"""URLs of the email screens (templates, campaigns, sending settings)."""

from django.urls import URLPattern

app_name = "mail"

urlpatterns: list[URLPattern] = []
