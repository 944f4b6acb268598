"""URLs of campaigns (list, editor, schedule, report), included under /email/campaigns/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
