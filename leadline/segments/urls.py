from django.urls import path

from leadline.segments import list_views, views

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
    # Static lists from the contact screens (fragments the contacts pages load).
    path("contacts/<uuid:contact_id>/lists/", list_views.contact_lists_view, name="contact_lists"),
    path("contacts/<uuid:contact_id>/lists/add/", list_views.contact_list_add_view, name="contact_list_add"),
    path(
        "contacts/<uuid:contact_id>/lists/<uuid:public_id>/remove/",
        list_views.contact_list_remove_view,
        name="contact_list_remove",
    ),
    path("lists/bulk/", list_views.bulk_picker_view, name="bulk_picker"),
    path("lists/bulk/add/", list_views.bulk_add_view, name="bulk_add"),
]
