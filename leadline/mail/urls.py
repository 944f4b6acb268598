"""URLs of the email screens (templates, campaigns, sending settings), mounted at /email/."""

from django.urls import include, path

from leadline.mail import settings_views, views

app_name = "mail"

urlpatterns = [
    path("", views.index, name="index"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/preview/", views.draft_preview, name="draft_preview"),
    path("templates/preview/panel/", views.draft_preview_panel, name="draft_preview_panel"),
    path("templates/contacts/", views.contact_search, name="contact_search"),
    path("templates/<uuid:public_id>/", views.template_detail, name="template_detail"),
    path("templates/<uuid:public_id>/edit/", views.template_edit, name="template_edit"),
    path("templates/<uuid:public_id>/duplicate/", views.template_duplicate, name="template_duplicate"),
    path("templates/<uuid:public_id>/delete/", views.template_delete, name="template_delete"),
    path("templates/<uuid:public_id>/preview/", views.template_preview, name="template_preview"),
    path(
        "templates/<uuid:public_id>/preview/panel/",
        views.template_preview_panel,
        name="template_preview_panel",
    ),
    path("templates/<uuid:public_id>/send-test/", views.template_send_test, name="template_send_test"),
    path("settings/", settings_views.settings_home, name="settings"),
    path("settings/layouts/new/", settings_views.layout_create, name="layout_create"),
    path("settings/layouts/<uuid:public_id>/", settings_views.layout_edit, name="layout_edit"),
    path("settings/layouts/<uuid:public_id>/delete/", settings_views.layout_delete, name="layout_delete"),
    path("settings/layouts/<uuid:public_id>/preview/", settings_views.layout_preview, name="layout_preview"),
    path("settings/senders/new/", settings_views.sender_create, name="sender_create"),
    path("settings/senders/<uuid:public_id>/", settings_views.sender_edit, name="sender_edit"),
    path("settings/senders/<uuid:public_id>/delete/", settings_views.sender_delete, name="sender_delete"),
    path("campaigns/", include("leadline.mail.campaign_urls")),
    path("suppression/", include("leadline.mail.suppression_urls")),
    path("subscriptions/", include("leadline.mail.subscription_urls")),
    path("domains/", include("leadline.mail.domain_urls")),
    path("messages/", include("leadline.mail.personal_urls")),
]
