"""URLs of availability, meeting types and booked meetings (the signed-in side)."""

from django.urls import path

from leadline.sales import meeting_views

urlpatterns = [
    path("settings/availability/", meeting_views.availability, name="availability"),
    path(
        "settings/availability/<str:person_id>/",
        meeting_views.availability_person,
        name="availability_person",
    ),
    path("meetings/", meeting_views.meeting_list, name="meeting_list"),
    path("meetings/types/", meeting_views.meeting_type_list, name="meeting_type_list"),
    path("meetings/types/new/", meeting_views.meeting_type_create, name="meeting_type_create"),
    path("meetings/types/<str:meeting_type_id>/", meeting_views.meeting_type_edit, name="meeting_type_edit"),
    path("meetings/<str:meeting_id>/cancel/", meeting_views.meeting_cancel, name="meeting_cancel"),
    path("contacts/<uuid:public_id>/meetings/", meeting_views.contact_meetings, name="contact_meetings"),
]
