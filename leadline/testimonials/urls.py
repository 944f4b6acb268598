"""URLs of testimonial moderation, mounted at /testimonials/manage/."""

from django.urls import path

from leadline.testimonials import views

app_name = "testimonials"

urlpatterns = [
    path("", views.testimonial_list, name="list"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_create, name="request_create"),
    path("walls/", views.wall_list, name="wall_list"),
    path("walls/new/", views.wall_create, name="wall_create"),
    path("walls/<uuid:public_id>/", views.wall_edit, name="wall_edit"),
    path("walls/<uuid:public_id>/delete/", views.wall_delete, name="wall_delete"),
    path("<uuid:public_id>/", views.testimonial_detail, name="detail"),
    path("<uuid:public_id>/approve/", views.testimonial_approve, name="approve"),
    path("<uuid:public_id>/reject/", views.testimonial_reject, name="reject"),
    path("<uuid:public_id>/edit/", views.testimonial_edit, name="edit"),
    path("<uuid:public_id>/edit/cancel/", views.proposal_cancel, name="proposal_cancel"),
    path("<uuid:public_id>/photo/", views.photo, name="photo"),
    path("<uuid:public_id>/photo/remove/", views.photo_remove, name="photo_remove"),
]
