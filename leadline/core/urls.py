from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from leadline.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("leadline/favicon.svg")), name="favicon"),
    path("settings/outbox/", views.outbox, name="outbox"),
    path("settings/outbox/<str:public_id>/", views.outbox_message, name="outbox_message"),
    path("settings/audit/", views.audit_log, name="audit_log"),
]
