"""The public addresses of forms, mounted by the project at f/."""

from django.urls import path

from leadline.forms import public_views

app_name = "forms_public"

urlpatterns = [
    path("confirm/<str:token>", public_views.confirm, name="confirm"),
    path("<slug:slug>", public_views.hosted, name="hosted"),
    path("<slug:slug>/embed.js", public_views.embed_js, name="embed_js"),
    path("<slug:slug>/submit", public_views.embed_submit, name="embed_submit"),
]
