"""Public testimonial URLs: the collection page, the wall and the embeddable widget, under /testimonials/."""

from django.urls import URLPattern

app_name = "testimonials_public"

urlpatterns: list[URLPattern] = []
