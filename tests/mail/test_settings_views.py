"""The sending settings: layouts and sender identities, for admins and marketing only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadline.mail.models import Layout, SenderIdentity
from tests.conftest import client_for
from tests.mail.factories import LayoutFactory, SenderIdentityFactory, TemplateFactory

pytestmark = pytest.mark.django_db
LAYOUT_HTML = (
    '<div>{{ content }}</div><p>{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
)


def test_the_settings_page_lists_senders_and_layouts_with_their_use(maria):
    SenderIdentityFactory(from_name="Northwind", postal_address="")
    TemplateFactory()

    page = client_for(maria).get(reverse("mail:settings")).content.decode()

    assert "Northwind" in page and "needed for marketing email" in page
    assert "Standard" in page


def test_the_settings_page_has_an_empty_state_for_senders(maria):
    assert "No senders yet" in client_for(maria).get(reverse("mail:settings")).content.decode()


def test_sales_cannot_open_the_settings(sam):
    assert client_for(sam).get(reverse("mail:settings")).status_code == 403
    assert client_for(sam).get(reverse("mail:sender_create")).status_code == 403


def test_marketing_adds_a_sender(maria):
    response = client_for(maria).post(
        reverse("mail:sender_create"),
        {"from_name": "Northwind", "from_email": "hello@northwind.example", "postal_address": "1 Road\nTown"},
    )

    sender = SenderIdentity.objects.get()
    assert response.status_code == 302
    assert (sender.from_name, sender.postal_address, sender.is_default) == ("Northwind", "1 Road\nTown", True)


def test_a_bad_sender_is_shown_again_with_the_reason(maria):
    response = client_for(maria).post(reverse("mail:sender_create"), {"from_name": "", "from_email": "nope"})

    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"from_name", "from_email"}


def test_a_sender_is_changed_and_deleted(alice):
    sender = SenderIdentityFactory(is_default=True)
    client = client_for(alice)

    client.post(
        reverse("mail:sender_edit", args=[sender.public_id]),
        {"from_name": "Renamed", "from_email": sender.from_email, "is_default": "on"},
    )
    sender.refresh_from_db()
    client.post(reverse("mail:sender_delete", args=[sender.public_id]))

    assert sender.from_name == "Renamed"
    assert not SenderIdentity.objects.exists()


def test_marketing_adds_a_layout_and_sees_it_previewed(maria):
    client = client_for(maria)

    client.post(
        reverse("mail:layout_create"), {"name": "Plain", "html": LAYOUT_HTML, "css": "p { color: #333333; }"}
    )
    layout = Layout.objects.get(name="Plain")
    preview = client.get(reverse("mail:layout_preview", args=[layout.public_id]))

    assert preview.status_code == 200 and "sandbox" in preview["Content-Security-Policy"]
    assert "A heading" in preview.content.decode() and 'style="color: #333333;"' in preview.content.decode()


def test_a_layout_without_the_content_tag_is_refused(maria):
    response = client_for(maria).post(
        reverse("mail:layout_create"),
        {"name": "Bad", "html": "<p>{{ postal_address }} {{ unsubscribe_url }}</p>"},
    )

    assert response.status_code == 400
    assert "{{ content }}" in response.context["form"].errors["html"][0]


def test_deleting_a_used_layout_explains_why_it_cannot_be(maria):
    layout = LayoutFactory()
    TemplateFactory(layout=layout)

    response = client_for(maria).post(reverse("mail:layout_delete", args=[layout.public_id]), follow=True)

    assert "1 template uses this layout" in response.content.decode()
    assert Layout.objects.filter(pk=layout.pk).exists()


def test_the_default_layout_offers_no_delete(maria):
    page = client_for(maria).get(
        reverse("mail:layout_edit", args=[Layout.objects.get(is_default=True).public_id])
    )

    assert "delete-layout" not in page.content.decode()
