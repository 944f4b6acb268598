from django.urls import path

from leadline.activity import views

app_name = "activity"

urlpatterns = [
    path("contacts/<uuid:public_id>/timeline/", views.timeline, name="timeline"),
    path("contacts/<uuid:public_id>/notes/", views.note_add, name="note_add"),
    path(
        "contacts/companies/<uuid:public_id>/timeline/", views.company_timeline_page, name="company_timeline"
    ),
    path("notes/<uuid:public_id>/", views.note_detail, name="note_detail"),
    path("notes/<uuid:public_id>/edit/", views.note_edit, name="note_edit"),
    path("notes/<uuid:public_id>/delete/", views.note_delete, name="note_delete"),
]
