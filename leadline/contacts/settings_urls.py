"""Custom property definitions, mounted by the project at settings/properties/."""

from django.urls import path

from leadline.contacts import views

app_name = "contacts_settings"

urlpatterns = [
    path("", views.property_list, name="list"),
    path("new/", views.property_create, name="create"),
    path("<uuid:public_id>/edit/", views.property_edit, name="edit"),
    path("<uuid:public_id>/delete/", views.property_delete, name="delete"),
]
