"""URLs of testimonial moderation, mounted at /testimonials/manage/."""

from django.urls import URLPattern

app_name = "testimonials"

urlpatterns: list[URLPattern] = []
