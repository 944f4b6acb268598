"""URLs of 1:1 email from a contact page, included under /email/messages/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
