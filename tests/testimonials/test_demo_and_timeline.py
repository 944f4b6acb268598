"""The demo seed, and what the contact's timeline shows of a testimonial's life."""

from __future__ import annotations

from django.test import Client

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import LifecycleStage
from leadline.testimonials import models
from leadline.testimonials.demo import seed_testimonials_demo
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.testimonials.factories import CollectionRequestFactory
from tests.testimonials.helpers import answers, collect_path


def test_it_seeds_a_wall_with_approved_testimonials_once(db, alice):
    for _ in range(9):
        ContactFactory(lifecycle_stage=LifecycleStage.CUSTOMER)
    messages = []

    seed_testimonials_demo(echo=messages.append)
    seed_testimonials_demo(echo=messages.append)

    assert len(messages) == 1
    assert models.Wall.objects.count() == 1
    assert models.Testimonial.objects.filter(status=models.Testimonial.Status.APPROVED).count() == 5
    assert models.Testimonial.objects.filter(status=models.Testimonial.Status.PENDING).count() == 2
    response = Client().get("/testimonials/customers/")
    assert response.status_code == 200
    assert b"one place" in response.content


def test_it_shows_the_request_submission_and_approval_on_the_timeline(db, maria):
    contact = ContactFactory(owner=None)
    request = CollectionRequestFactory(contact=contact)
    Client().post(collect_path(request), answers())
    testimonial = models.Testimonial.objects.get()
    client_for(maria).post(f"/testimonials/manage/{testimonial.public_id}/approve/")

    events = list(
        Activity.objects.filter(contact=contact, kind=Kind.TESTIMONIAL)
        .order_by("id")
        .values_list("data__event", flat=True)
    )
    timeline = client_for(maria).get(f"/contacts/{contact.public_id}/timeline/")

    assert events == ["submitted", "approved"]
    assert b"Sent a testimonial" in timeline.content
    assert b"Testimonial approved" in timeline.content
