"""URLs of workflows and playbooks, mounted at /automation/."""

from django.urls import path

from leadline.automation import views

app_name = "automation"

urlpatterns = [
    path("", views.workflow_list, name="list"),
    path("new/", views.workflow_create, name="create"),
    path("playbooks/", views.playbook_list, name="playbooks"),
    path("playbooks/<slug:key>/install/", views.playbook_install_view, name="playbook_install"),
    path("enrolments/", views.enrolment_list, name="enrolments"),
    path("enrolments/<uuid:public_id>/", views.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<uuid:public_id>/retry/", views.enrolment_retry, name="enrolment_retry"),
    path("enrolments/<uuid:public_id>/unenrol/", views.enrolment_unenrol, name="enrolment_unenrol"),
    path("<uuid:public_id>/", views.workflow_detail, name="detail"),
    path("<uuid:public_id>/settings/", views.workflow_settings, name="settings"),
    path("<uuid:public_id>/status/", views.workflow_status, name="status"),
    path("<uuid:public_id>/delete/", views.workflow_delete, name="delete"),
    path("<uuid:public_id>/steps/new/", views.step_add, name="step_add"),
    path("<uuid:public_id>/steps/<slug:key>/", views.step_edit, name="step_edit"),
    path("<uuid:public_id>/steps/<slug:key>/delete/", views.step_delete, name="step_delete"),
    path("<uuid:public_id>/test/", views.workflow_test, name="test"),
    path("<uuid:public_id>/enrol/", views.workflow_enrol, name="enrol"),
    path("<uuid:public_id>/retry-failed/", views.workflow_retry_failed, name="retry_failed"),
]
