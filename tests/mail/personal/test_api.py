"""The 1:1 email API: send to a contact, list what a contact was sent."""

from __future__ import annotations

import pytest

from leadline.mail.models import OutboundMessage, Suppression
from leadline.mail.personal import personal_email_send
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory
from tests.mail.factories import TemplateFactory, TransactionalTemplateFactory

BODY = {"subject": "Following up", "body": "Hi {{ first_name }}, thanks for the call."}


def _path(contact):
    return f"/contacts/{contact.public_id}/emails"


@pytest.mark.django_db
def test_it_queues_a_1_1_email(sam):
    contact = ContactFactory(owner=sam)
    template = TransactionalTemplateFactory()

    response = api_as(sam, ["sales:write"]).post(
        _path(contact), {**BODY, "template": str(template.public_id)}
    )

    assert response.status_code == 201, response.content
    data = response.json()
    message = OutboundMessage.objects.get()
    assert data["id"] == str(message.public_id)
    assert data["state"] == "queued"
    assert data["kind"] == "transactional"
    assert data["to_email"] == contact.email
    assert data["sent_by"] == str(sam.public_id)
    assert data["template"] == str(template.public_id)


@pytest.mark.django_db
def test_it_replays_a_retry_with_the_same_idempotency_key(sam):
    contact = ContactFactory(owner=sam)
    client = api_as(sam, ["sales:write"])

    first = client.post(_path(contact), BODY, headers={"Idempotency-Key": "retry-1"})
    second = client.post(_path(contact), BODY, headers={"Idempotency-Key": "retry-1"})

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert OutboundMessage.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "", "body": "Hi"}, "subject"),
        ({"subject": "Hi", "body": "Hi {{ nick }}"}, "body"),
        ({"subject": "Hi", "body": "Hi", "cc": "x@example.org"}, "cc"),
        ({"subject": 3, "body": "Hi"}, "subject"),
        ({"subject": "Hi", "body": "Hi", "template": "not-an-id"}, "template"),
    ],
)
def test_it_refuses_bad_input_with_a_400(sam, body, field):
    response = api_as(sam, ["sales:write"]).post(_path(ContactFactory(owner=sam)), body)

    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_marketing_template(maria):
    response = api_as(maria, ["sales:write"]).post(
        _path(ContactFactory()), {**BODY, "template": str(TemplateFactory().public_id)}
    )

    assert response.status_code == 400
    assert "template" in error_of(response)["fields"]


@pytest.mark.django_db
def test_it_says_a_suppressed_address_gets_nothing(sam):
    contact = ContactFactory(owner=sam, email="gone@example.org")
    Suppression.objects.create(email="gone@example.org", reason=Suppression.Reason.HARD_BOUNCE)

    response = api_as(sam, ["sales:write"]).post(_path(contact), BODY)

    assert response.status_code == 400
    assert "gone@example.org is blocked" in error_of(response)["message"]


@pytest.mark.django_db
def test_it_hides_contacts_the_user_cannot_see(sam, oscar):
    response = api_as(sam, ["sales:write"]).post(_path(ContactFactory(owner=oscar)), BODY)

    assert response.status_code == 404
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_it_lists_only_a_salespersons_own_email_to_a_contact(sam, tess, maria):
    contact = ContactFactory(owner=sam)
    personal_email_send(user=sam, contact=contact, subject="From Sam", body="Hi")
    personal_email_send(user=tess, contact=contact, subject="From Tess", body="Hi")

    as_sam = api_as(sam, ["sales:read"]).get(_path(contact)).json()
    as_maria = api_as(maria, ["sales:read"]).get(_path(contact)).json()

    assert [item["subject"] for item in as_sam["items"]] == ["From Sam"]
    assert sorted(item["subject"] for item in as_maria["items"]) == ["From Sam", "From Tess"]
