from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from leadline.core import notification_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("leadline/favicon.svg")), name="favicon"),
    path("settings/outbox/", views.outbox, name="outbox"),
    path("settings/outbox/<str:public_id>/", views.outbox_message, name="outbox_message"),
    path("settings/audit/", views.audit_log, name="audit_log"),
    path("notifications/", notification_views.notifications, name="notifications"),
    path("notifications/unread/", notification_views.notifications_badge, name="notifications_badge"),
    path("notifications/read-all/", notification_views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<str:public_id>/", notification_views.notification_open, name="notification_open"),
    path(
        "notifications/<str:public_id>/read/", notification_views.notification_read, name="notification_read"
    ),
]
