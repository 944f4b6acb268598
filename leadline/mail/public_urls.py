"""Public mail URLs at the site root: /o/<token> open pixel, /c/<token> click redirect,
/u/<token> unsubscribe and preferences (RFC 8058 one-click POST)."""

from django.urls import path, re_path

from leadline.mail import public_views

app_name = "mail_public"

urlpatterns = [
    # Any tail at all gets the pixel, so the answer tells nothing about the token.
    re_path(r"^o/(?P<token>[\s\S]*)\Z", public_views.open_pixel, name="open"),
    path("c/<str:token>", public_views.click, name="click"),
    path("u/<str:token>", public_views.unsubscribe, name="unsubscribe"),
    path("u/<str:token>/preferences", public_views.preferences, name="preferences"),
]
