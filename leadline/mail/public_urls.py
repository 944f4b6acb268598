"""Public mail URLs at the site root: /o/<token> open pixel, /c/<token> click redirect,
/u/<token> unsubscribe and preferences (RFC 8058 one-click POST)."""

from django.urls import URLPattern

app_name = "mail_public"

urlpatterns: list[URLPattern] = []
