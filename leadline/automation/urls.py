"""URLs of workflows and playbooks, mounted at /automation/."""

from django.urls import URLPattern

app_name = "automation"

urlpatterns: list[URLPattern] = []
