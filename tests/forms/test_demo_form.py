"""The demo's enquiry form: seeded once at /f/contact, on the demo site, and it takes submissions."""

from __future__ import annotations

import pytest

from leadline.accounts.models import Role
from leadline.contacts.models import Contact, LifecycleStage
from leadline.core.demo import DEMO_ADMIN_EMAIL
from leadline.forms.demo import seed_forms_demo
from leadline.forms.models import Form, FormEmail
from tests.factories import UserFactory
from tests.forms.factories import SiteFactory, answers


@pytest.fixture
def demo_admin(db):
    return UserFactory(email=DEMO_ADMIN_EMAIL, role=Role.ADMIN)


def test_seeding_twice_makes_one_form_on_the_demo_site(demo_admin):
    site = SiteFactory(name="Marketing website")
    said: list[str] = []

    seed_forms_demo(echo=said.append)
    seed_forms_demo(echo=said.append)

    form = Form.objects.get()
    assert (form.slug, form.name, form.site, form.created_by) == (
        "contact",
        "Book a free clarity call",
        site,
        demo_admin,
    )
    assert [field.target for field in form.fields.all()] == [
        "email", "first_name", "last_name", "company", "phone", "property:message",
    ]  # fmt: skip
    assert [field.target for field in form.fields.all() if field.required] == ["email"]
    assert form.consent_text and form.consent_version and form.autoreply_enabled
    assert said == ["Form “Book a free clarity call” at /f/contact."]


def test_the_hosted_page_shows_the_form(client, demo_admin):
    seed_forms_demo(echo=lambda _text: None)

    response = client.get("/f/contact")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Book a free clarity call" in body and "Book my call" in body
    assert 'name="p_message"' in body and 'name="utm_campaign"' in body and 'name="consent"' in body


def test_a_submission_makes_a_lead_replies_and_tells_the_team(client, demo_admin, sam, tess):
    seed_forms_demo(echo=lambda _text: None)
    form = Form.objects.get(slug="contact")

    response = client.post(
        "/f/contact",
        answers(
            form,
            email="grace@navy.example",
            first_name="Grace",
            last_name="Hopper",
            company="Navy Labs",
            p_message="Our leads go cold before anyone calls them.",
            consent="yes",
        ),
    )

    assert response.status_code == 200
    assert "your request is in" in response.content.decode()
    contact = Contact.objects.get(email="grace@navy.example")
    assert contact.lifecycle_stage == LifecycleStage.LEAD
    assert contact.company is not None and contact.company.name == "Navy Labs"
    assert contact.properties["message"] == "Our leads go cold before anyone calls them."
    reply = FormEmail.objects.get(kind=FormEmail.Kind.AUTOREPLY)
    assert reply.subject == "Your clarity call, Grace: pick a time that suits you"
    assert reply.text_body.startswith("Hi Grace,") and "/meet/" in reply.text_body
    notices = FormEmail.objects.filter(kind=FormEmail.Kind.NOTIFICATION)
    assert sorted(notices.values_list("to_email", flat=True)) == [sam.email, tess.email]
