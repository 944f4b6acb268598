"""The form builder screens, mounted by the project at forms/."""

from django.urls import path

from leadline.forms import views

app_name = "forms"

urlpatterns = [
    path("", views.form_list, name="list"),
    path("new/", views.form_create, name="create"),
    path("<uuid:public_id>/", views.form_detail, name="detail"),
    path("<uuid:public_id>/settings/", views.form_edit, name="edit"),
    path("<uuid:public_id>/delete/", views.form_delete, name="delete"),
    path("<uuid:public_id>/preview/", views.form_preview, name="preview"),
    path("<uuid:public_id>/submissions/", views.submission_list, name="submissions"),
    path("<uuid:public_id>/fields/", views.field_add, name="field_add"),
    path("<uuid:public_id>/fields/<uuid:field_id>/", views.field_edit, name="field_edit"),
    path("<uuid:public_id>/fields/<uuid:field_id>/move/", views.field_move, name="field_move"),
    path("<uuid:public_id>/fields/<uuid:field_id>/delete/", views.field_remove, name="field_remove"),
]
