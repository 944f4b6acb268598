"""Public testimonial URLs: the collection page, the wall and the embeddable widget, under /testimonials/."""

from django.urls import path

from leadline.testimonials import public_views

app_name = "testimonials_public"

# The one-letter prefixes come first: wall addresses are at least two characters and never these.
urlpatterns = [
    path("r/preview/", public_views.collect_preview, name="collect_preview"),
    path("r/<str:token>/", public_views.collect, name="collect"),
    path("c/<str:token>/", public_views.reconsent, name="reconsent"),
    path("p/<uuid:public_id>/", public_views.photo, name="photo"),
    path("<slug:slug>/", public_views.wall, name="wall"),
    path("<slug:slug>/items.json", public_views.wall_json, name="wall_json"),
    path("<slug:slug>/embed.js", public_views.embed_js, name="embed_js"),
]
