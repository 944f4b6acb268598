from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("leadline.core.urls")),
    # Leadline signs people in by one email address; allauth's page for adding more stays closed.
    path(
        "accounts/email/",
        login_required(RedirectView.as_view(pattern_name="accounts:profile")),
        name="account_email",
    ),
    path("accounts/", include("allauth.urls")),
    path("", include("leadline.accounts.urls")),
    path("settings/properties/", include("leadline.contacts.settings_urls")),
    path("contacts/", include("leadline.contacts.import_urls")),
    path("contacts/", include("leadline.contacts.urls")),
    path("", include("leadline.activity.urls")),
    path("", include("leadline.tracking.urls")),
    path("forms/", include("leadline.forms.urls")),
    path("segments/", include("leadline.segments.urls")),
    path("email/", include("leadline.mail.urls")),
    path("reports/", include("leadline.analytics.urls")),
    path("automation/", include("leadline.automation.urls")),
    path("testimonials/manage/", include("leadline.testimonials.urls")),
    path("testimonials/", include("leadline.testimonials.public_urls")),
    path("email/inbound/", include("leadline.mail.inbound_urls")),
    path("", include("leadline.mail.public_urls")),
    path("f/", include("leadline.forms.public_urls")),
    path("", include("leadline.sales.urls")),
    path("", include("leadline.scoring.urls")),
    path("api/v1/", include("leadline.api.urls")),
]

handler400 = "leadline.core.errors.bad_request"
handler403 = "leadline.core.errors.permission_denied"
handler404 = "leadline.core.errors.page_not_found"
handler500 = "leadline.core.errors.server_error"
