"""URLs of pipelines and deals: boards, lists, deal pages and pipeline settings."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
