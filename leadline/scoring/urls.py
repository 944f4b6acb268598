"""Scoring screens: the settings page with its rules, and a contact's score breakdown (a partial)."""

from django.urls import path

from leadline.scoring import views

app_name = "scoring"

urlpatterns = [
    path("settings/scoring/", views.rule_list, name="settings"),
    path("settings/scoring/thresholds/", views.settings_update, name="settings_update"),
    path("settings/scoring/rules/new/", views.rule_create, name="rule_create"),
    path("settings/scoring/rules/<uuid:public_id>/", views.rule_edit, name="rule_edit"),
    path("settings/scoring/rules/<uuid:public_id>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("settings/scoring/rules/<uuid:public_id>/delete/", views.rule_delete, name="rule_delete"),
    path("settings/scoring/predictive/train/", views.predictive_train, name="predictive_train"),
    path("contacts/<uuid:public_id>/score/", views.contact_score, name="contact_score"),
]
