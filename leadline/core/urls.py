from django.urls import path

from leadline.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("settings/outbox/", views.outbox, name="outbox"),
    path("settings/outbox/<str:public_id>/", views.outbox_message, name="outbox_message"),
    path("settings/audit/", views.audit_log, name="audit_log"),
]
