from django.urls import include, path

from leadline.sales import handoff_views

app_name = "sales"

urlpatterns = [
    path("handoff/", handoff_views.queue, name="queue"),
    path("handoff/overview/", handoff_views.overview, name="overview"),
    path("handoff/<str:handoff_id>/accept/", handoff_views.accept, name="accept"),
    path("handoff/<str:handoff_id>/reject/", handoff_views.reject, name="reject"),
    path("settings/handoff/", handoff_views.routing_settings, name="settings"),
    path("settings/handoff/rules/new/", handoff_views.rule_create, name="rule_create"),
    path("settings/handoff/rules/<str:rule_id>/", handoff_views.rule_edit, name="rule_edit"),
    path("settings/handoff/rules/<str:rule_id>/move/", handoff_views.rule_move, name="rule_move"),
    path("settings/handoff/rules/<str:rule_id>/delete/", handoff_views.rule_delete, name="rule_delete"),
    path("settings/handoff/reasons/", handoff_views.reason_create, name="reason_create"),
    path(
        "settings/handoff/reasons/<str:reason_id>/toggle/", handoff_views.reason_toggle, name="reason_toggle"
    ),
    # Each concern keeps its own list; all of them share the "sales" namespace.
    path("", include("leadline.sales.deals_urls")),
    path("", include("leadline.sales.orders_urls")),
    path("", include("leadline.sales.tasks_urls")),
    path("", include("leadline.sales.meetings_urls")),
    path("meet/", include("leadline.sales.booking_urls")),
]
