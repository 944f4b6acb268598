"""URLs of products, orders and refunds."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
