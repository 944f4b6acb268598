"""Public inbound mail URLs: bounce reports posted by the SMTP relay and the ESP webhooks
(tracking and inbound, through django-anymail), under /email/inbound/."""

from django.urls import URLPattern

app_name = "mail_inbound"

urlpatterns: list[URLPattern] = []
