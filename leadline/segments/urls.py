from django.urls import path

from leadline.segments import views

app_name = "segments"

urlpatterns = [
    path("", views.segment_list_view, name="list"),
    path("new/", views.segment_create_view, name="create"),
    path("preview/", views.segment_preview_view, name="preview"),
    path("<uuid:public_id>/", views.segment_detail_view, name="detail"),
    path("<uuid:public_id>/edit/", views.segment_edit_view, name="edit"),
    path("<uuid:public_id>/rebuild/", views.segment_rebuild_view, name="rebuild"),
    path("<uuid:public_id>/delete/", views.segment_delete_view, name="delete"),
    path(
        "<uuid:public_id>/members/<uuid:contact_id>/remove/",
        views.segment_member_remove_view,
        name="member_remove",
    ),
]
