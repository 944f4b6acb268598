"""Access table of the email screens and API: admins and marketing write templates, layouts and
senders; everyone may open the transactional templates (sales use them for 1:1 email); marketing
templates are invisible (404) to sales."""

from __future__ import annotations

from typing import Any

from leadline.mail.models import Layout, SenderIdentity, Template
from tests.access_areas import Entry, Route, everyone, importers

# `{emailtemplate}` is a marketing template, `{emailtransactional}` a transactional one.
T = "/email/templates/{emailtemplate}"
TX = "/email/templates/{emailtransactional}"
SALES_404 = {"sam": 404, "oscar": 404}

UI_ROUTES: dict[str, Entry] = {
    "mail:index": everyone("/email/"),
    "mail:template_list": everyone("/email/templates/"),
    "mail:template_create": importers("/email/templates/new/"),
    "mail:draft_preview": importers("/email/templates/preview/", "POST"),
    "mail:draft_preview_panel": importers("/email/templates/preview/panel/", "POST"),
    "mail:contact_search": everyone("/email/templates/contacts/?q=a"),
    "mail:template_detail": Entry(f"{T}/", expect=SALES_404),
    "mail:template_edit": importers(f"{T}/edit/"),
    "mail:template_duplicate": importers(f"{T}/duplicate/", "POST"),
    "mail:template_delete": importers(f"{T}/delete/", "POST"),
    "mail:template_preview": Entry(f"{T}/preview/", expect=SALES_404),
    # sales preview a transactional template, as a contact they can see: oscar's contact is not sam's
    "mail:template_preview_panel": Entry(f"{TX}/preview/panel/?contact={{contact}}", expect={"sam": 404}),
    "mail:template_send_test": importers(f"{T}/send-test/", "POST", data={"to": "test@example.org"}),
    "mail:settings": importers("/email/settings/"),
    "mail:layout_create": importers("/email/settings/layouts/new/"),
    "mail:layout_edit": importers("/email/settings/layouts/{emaillayout}/"),
    "mail:layout_delete": importers("/email/settings/layouts/{emaillayout}/delete/", "POST"),
    "mail:layout_preview": importers("/email/settings/layouts/{emaillayout}/preview/"),
    "mail:sender_create": importers("/email/settings/senders/new/"),
    "mail:sender_edit": importers("/email/settings/senders/{emailsender}/"),
    "mail:sender_delete": importers("/email/settings/senders/{emailsender}/delete/", "POST"),
}

API_ROUTES = [
    Route("mail_template_list", "GET", "/email/templates", "contacts:read"),
    Route(
        "mail_template_create",
        "POST",
        "/email/templates",
        "settings:write",
        {"name": "Receipt", "kind": "transactional", "subject": "Your receipt", "body": "Thanks!"},
    ),
    Route("mail_template_get", "GET", "/email/templates/{emailtemplate}", "contacts:read"),
    Route(
        "mail_template_update",
        "PATCH",
        "/email/templates/{emailtemplate}",
        "settings:write",
        {"name": "Renamed"},
    ),
    Route("mail_template_delete", "DELETE", "/email/templates/{emailtemplate}", "settings:write"),
    Route("mail_template_preview", "POST", "/email/templates/{emailtemplate}/preview", "contacts:read", {}),
    Route(
        "mail_template_send_test",
        "POST",
        "/email/templates/{emailtemplate}/send-test",
        "settings:write",
        {"to": "test@example.org"},
    ),
    Route("mail_sender_list", "GET", "/email/senders", "contacts:read"),
]

# Sales tokens cannot hold settings:write (403 for every write); marketing templates are not theirs to see.
API_EXPECT: dict[str, dict[str, Any]] = {
    "mail_template_list": {},
    "mail_template_create": {"sam": 403, "oscar": 403},
    "mail_template_get": SALES_404,
    "mail_template_update": {"sam": 403, "oscar": 403},
    "mail_template_delete": {"sam": 403, "oscar": 403},
    "mail_template_preview": SALES_404,
    "mail_template_send_test": {"sam": 403, "oscar": 403},
    "mail_sender_list": {},
}


def _objects(user: Any) -> dict[str, str]:
    sender = SenderIdentity.objects.create(
        from_name="Northwind", from_email="hello@northwind.example", postal_address="1 Road", is_default=True
    )
    marketing = Template.objects.create(
        name="Newsletter",
        kind=Template.Kind.MARKETING,
        subject="News",
        body="Hello",
        layout=Layout.objects.get(is_default=True),
        created_by=user,
    )
    transactional = Template.objects.create(
        name="Follow-up", kind=Template.Kind.TRANSACTIONAL, subject="Thanks", body="Thanks", created_by=user
    )
    layout = Layout.objects.create(
        name="Spare",
        html="<div>{{ content }}</div>{{ postal_address }} {{ unsubscribe_url }}",
        created_by=user,
    )
    return {
        "emailtemplate": str(marketing.public_id),
        "emailtransactional": str(transactional.public_id),
        "emaillayout": str(layout.public_id),
        "emailsender": str(sender.public_id),
    }


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    """Email objects created by oscar (templates are shared, so ownership does not change access)."""
    return _objects(personas["oscar"])


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _objects(alice)
