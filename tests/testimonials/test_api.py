"""The testimonials API: list approved, list all with status, moderate, ask for a testimonial."""

from __future__ import annotations

from leadline.accounts.models import Scope
from leadline.mail.models import OutboundMessage
from leadline.testimonials import models
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory
from tests.testimonials.factories import CollectionRequestFactory, SubmissionFactory, approved

Status = models.Testimonial.Status


def test_it_lists_approved_testimonials_without_contact_ids(db, sam):
    approved(text="Published words of a happy customer.")
    SubmissionFactory(text="Not approved yet, never listed.")

    response = api_as(sam).get("/testimonials/approved")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["text"] for item in items] == ["Published words of a happy customer."]
    assert "contact" not in items[0]


def test_it_lists_testimonials_with_their_status(db, maria):
    SubmissionFactory()
    approved()

    everything = api_as(maria).get("/testimonials").json()["items"]
    waiting = api_as(maria).get("/testimonials", status="pending").json()["items"]

    assert sorted(item["status"] for item in everything) == ["approved", "pending"]
    assert [item["status"] for item in waiting] == ["pending"]


def test_it_approves_and_rejects(db, maria):
    testimonial = SubmissionFactory()
    api = api_as(maria)

    approved_response = api.post(f"/testimonials/{testimonial.public_id}/approve")
    rejected_response = api.post(f"/testimonials/{testimonial.public_id}/reject", {"reason": "Outdated"})

    assert approved_response.json()["status"] == "approved"
    assert rejected_response.json()["status"] == "rejected"
    assert rejected_response.json()["rejection_reason"] == "Outdated"


def test_it_does_not_let_sales_moderate(db, sam):
    testimonial = SubmissionFactory(request=CollectionRequestFactory(contact=ContactFactory(owner=sam)))

    response = api_as(sam).post(f"/testimonials/{testimonial.public_id}/approve")

    assert response.status_code == 403
    testimonial.refresh_from_db()
    assert testimonial.status == Status.PENDING


def test_it_needs_the_write_scope_to_moderate(db, maria):
    testimonial = SubmissionFactory()

    response = api_as(maria, scopes=[Scope.CONTACTS_READ]).post(
        f"/testimonials/{testimonial.public_id}/approve"
    )

    assert response.status_code == 403
    assert "contacts:write" in error_of(response)["message"]


def test_it_asks_a_contact_for_a_testimonial(db, sam):
    contact = ContactFactory(owner=sam)

    response = api_as(sam).post(f"/contacts/{contact.public_id}/testimonial-requests", {})

    assert response.status_code == 201
    body = response.json()
    assert body["emailed"] is True
    assert "/testimonials/r/" in body["url"]
    assert OutboundMessage.objects.filter(key=f"testimonial:{body['id']}").exists()


def test_it_can_only_make_the_link(db, maria):
    contact = ContactFactory()

    response = api_as(maria).post(
        f"/contacts/{contact.public_id}/testimonial-requests", {"send_email": False}
    )

    assert response.status_code == 201
    assert response.json()["emailed"] is False
    assert not OutboundMessage.objects.exists()


def test_it_refuses_bad_input_with_a_400(db, maria):
    contact = ContactFactory()
    testimonial = SubmissionFactory()
    api = api_as(maria)

    unknown_key = api.post(f"/contacts/{contact.public_id}/testimonial-requests", {"surprise": 1})
    bad_template = api.post(f"/contacts/{contact.public_id}/testimonial-requests", {"template": "<script>"})
    long_reason = api.post(f"/testimonials/{testimonial.public_id}/reject", {"reason": "x" * 501})
    malformed = api.post(f"/testimonials/{testimonial.public_id}/reject", raw='{"reason": ')
    bad_status = api.get("/testimonials", status="'; DROP TABLE x; --")
    no_email = api.post(f"/contacts/{ContactFactory(email=None).public_id}/testimonial-requests", {})

    for response in (unknown_key, bad_template, long_reason, malformed, bad_status, no_email):
        assert response.status_code == 400, response.content
    testimonial.refresh_from_db()
    assert testimonial.status == Status.PENDING


def test_it_answers_404_for_someone_elses_contact(db, sam, oscar):
    contact = ContactFactory(owner=oscar)

    response = api_as(sam).post(f"/contacts/{contact.public_id}/testimonial-requests", {})

    assert response.status_code == 404
