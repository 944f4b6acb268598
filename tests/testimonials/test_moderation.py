"""Moderation: admins and marketing approve and reject; salespeople see their contacts' testimonials."""

from __future__ import annotations

from django.test import Client

from leadline.activity.models import Activity, Kind
from leadline.core.models import AuditEntry
from leadline.testimonials import models
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.testimonials.factories import CollectionRequestFactory, SubmissionFactory, approved

Status = models.Testimonial.Status


def test_it_lists_testimonials_waiting_for_approval(db, maria):
    waiting = SubmissionFactory(text="Waiting for someone to look at it.")
    approved(text="Already on the wall for everyone.")

    response = client_for(maria).get("/testimonials/manage/")

    assert response.status_code == 200
    assert b"Waiting for someone to look at it." in response.content
    assert b"Already on the wall" not in response.content
    assert str(waiting.public_id).encode() in response.content


def test_it_filters_by_status(db, maria):
    SubmissionFactory(text="Waiting for someone to look at it.")
    approved(text="Already on the wall for everyone.")

    response = client_for(maria).get("/testimonials/manage/?status=approved")

    assert b"Already on the wall" in response.content
    assert b"Waiting for someone" not in response.content


def test_it_lists_with_a_constant_number_of_queries(db, maria, django_assert_max_num_queries):
    for _ in range(3):
        SubmissionFactory()
    client = client_for(maria)
    client.get("/testimonials/manage/")

    for _ in range(10):
        SubmissionFactory()
    with django_assert_max_num_queries(12):
        response = client.get("/testimonials/manage/")

    assert response.status_code == 200


def test_it_approves_and_marks_the_contact_as_an_evangelist_on_the_timeline(db, maria):
    testimonial = SubmissionFactory()

    response = client_for(maria).post(f"/testimonials/manage/{testimonial.public_id}/approve/")

    assert response.status_code == 302
    testimonial.refresh_from_db()
    assert testimonial.status == Status.APPROVED
    assert testimonial.decided_by == maria
    entry = Activity.objects.get(contact=testimonial.contact, kind=Kind.TESTIMONIAL, data__event="approved")
    assert entry.data["signal"] == "evangelist"
    assert entry.actor == maria
    assert AuditEntry.objects.filter(
        action="testimonial.approved", object_id=str(testimonial.public_id)
    ).exists()


def test_it_rejects_with_a_reason_kept_for_the_team(db, alice):
    testimonial = approved()

    response = client_for(alice).post(
        f"/testimonials/manage/{testimonial.public_id}/reject/", {"reason": "Mentions a competitor"}
    )

    assert response.status_code == 302
    testimonial.refresh_from_db()
    assert testimonial.status == Status.REJECTED
    assert testimonial.rejection_reason == "Mentions a competitor"
    assert AuditEntry.objects.get(action="testimonial.rejected").data["reason"] == "Mentions a competitor"


def test_it_asks_for_confirmation_before_rejecting(db, maria):
    testimonial = SubmissionFactory()

    page = client_for(maria).get(f"/testimonials/manage/{testimonial.public_id}/")

    assert b'data-dialog-open="reject-testimonial"' in page.content
    assert b'<dialog id="reject-testimonial"' in page.content


def test_it_does_not_reject_with_a_get(db, maria):
    testimonial = SubmissionFactory()

    response = client_for(maria).get(f"/testimonials/manage/{testimonial.public_id}/reject/")

    assert response.status_code == 405
    testimonial.refresh_from_db()
    assert testimonial.status == Status.PENDING


def test_it_refuses_an_overlong_reason_without_rejecting(db, maria):
    testimonial = SubmissionFactory()

    client_for(maria).post(f"/testimonials/manage/{testimonial.public_id}/reject/", {"reason": "x" * 501})

    testimonial.refresh_from_db()
    assert testimonial.status == Status.PENDING


def test_it_never_publishes_a_withdrawn_testimonial(db, maria):
    testimonial = SubmissionFactory(status=Status.WITHDRAWN)

    client_for(maria).post(f"/testimonials/manage/{testimonial.public_id}/approve/")

    testimonial.refresh_from_db()
    assert testimonial.status == Status.WITHDRAWN


def test_it_shows_a_salesperson_the_testimonials_of_their_contacts_only(db, sam, oscar):
    mine = SubmissionFactory(
        request=CollectionRequestFactory(contact=ContactFactory(owner=sam)),
        text="The customer of Sam is very happy.",
    )
    SubmissionFactory(
        request=CollectionRequestFactory(contact=ContactFactory(owner=oscar)),
        text="The customer of Oscar is happy too.",
    )

    listing = client_for(sam).get("/testimonials/manage/?status=all")
    detail = client_for(sam).get(f"/testimonials/manage/{mine.public_id}/")

    assert b"The customer of Sam" in listing.content
    assert b"The customer of Oscar" not in listing.content
    assert detail.status_code == 200
    assert b"Approve" not in detail.content


def test_it_does_not_let_sales_moderate(db, sam):
    testimonial = SubmissionFactory(request=CollectionRequestFactory(contact=ContactFactory(owner=sam)))

    response = client_for(sam).post(f"/testimonials/manage/{testimonial.public_id}/approve/")

    assert response.status_code == 403
    testimonial.refresh_from_db()
    assert testimonial.status == Status.PENDING


def test_it_sends_anonymous_visitors_to_sign_in(db):
    response = Client().get("/testimonials/manage/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_escapes_what_customers_wrote_on_the_moderation_screens(db, maria):
    testimonial = SubmissionFactory(
        text='<script>alert("x")</script> and more words', display_name="<b>Eve</b>"
    )

    listing = client_for(maria).get("/testimonials/manage/")
    detail = client_for(maria).get(f"/testimonials/manage/{testimonial.public_id}/")

    for response in (listing, detail):
        assert b'<script>alert("x")</script>' not in response.content
        assert b"&lt;script&gt;" in response.content
        assert b"<b>Eve</b>" not in response.content
