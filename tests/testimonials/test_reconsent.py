"""Editing a testimonial: the team proposes, the customer confirms by a signed link, and only then do
the new words go live, with the re-consent in the ledger."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import ConsentRecord
from leadline.core.models import AuditEntry
from leadline.mail.models import OutboundMessage
from leadline.testimonials import models
from leadline.testimonials.services import CONSENT_PURPOSE, RECONSENT_TEXT, RECONSENT_TEXT_VERSION
from tests.conftest import client_for
from tests.testimonials.factories import WallFactory, approved
from tests.testimonials.helpers import reconsent_path

ORIGINAL = "They rebuilt our onboarding in two weeks and sign-ups doubled."
EDITED = "They rebuilt our onboarding in two weeks, and sign-ups doubled."


def _propose(user, testimonial, **changes):
    data = {
        "rating": str(testimonial.rating),
        "text": testimonial.text,
        "display_name": testimonial.display_name,
        "role": testimonial.role,
        "company": testimonial.company,
        **changes,
    }
    return client_for(user).post(f"/testimonials/manage/{testimonial.public_id}/edit/", data)


def test_it_keeps_the_published_words_until_the_customer_confirms(db, maria):
    testimonial = approved(text=ORIGINAL)
    wall = WallFactory()

    response = _propose(maria, testimonial, text=EDITED)

    assert response.status_code == 302
    testimonial.refresh_from_db()
    assert testimonial.text == ORIGINAL
    assert testimonial.proposed == {"text": EDITED}
    assert ORIGINAL.encode() in Client().get(f"/testimonials/{wall.slug}/").content
    message = OutboundMessage.objects.get()
    assert message.key == f"testimonial-reconsent:{testimonial.public_id}:1"
    assert "/testimonials/c/" in message.body
    assert AuditEntry.objects.filter(action="testimonial.edit_proposed").exists()


def test_it_publishes_the_edit_once_confirmed_and_logs_the_consent(
    db, maria, django_capture_on_commit_callbacks
):
    testimonial = approved(text=ORIGINAL)
    wall = WallFactory()
    _propose(maria, testimonial, text=EDITED)
    testimonial.refresh_from_db()
    path = reconsent_path(testimonial)

    page = Client().get(path)
    Client().get(f"/testimonials/{wall.slug}/")  # the wall is cached with the old words
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(path, {"action": "confirm", "consent": "on"}, REMOTE_ADDR="198.51.100.7")

    assert EDITED.encode() in page.content and ORIGINAL.encode() in page.content
    assert response.status_code == 302
    testimonial.refresh_from_db()
    assert testimonial.text == EDITED
    assert testimonial.proposed == {}
    assert testimonial.status == models.Testimonial.Status.APPROVED
    consent = ConsentRecord.objects.filter(purpose=CONSENT_PURPOSE).latest("recorded_at")
    assert (consent.text, consent.text_version, consent.ip_address) == (
        RECONSENT_TEXT,
        RECONSENT_TEXT_VERSION,
        "198.51.100.7",
    )
    assert Activity.objects.filter(kind=Kind.TESTIMONIAL, data__event="reconsented").exists()
    assert EDITED.encode() in Client().get(f"/testimonials/{wall.slug}/").content


def test_it_needs_the_box_ticked_to_confirm(db, maria):
    testimonial = approved(text=ORIGINAL)
    _propose(maria, testimonial, text=EDITED)
    testimonial.refresh_from_db()

    response = Client().post(reconsent_path(testimonial), {"action": "confirm"})

    assert response.status_code == 400
    testimonial.refresh_from_db()
    assert testimonial.text == ORIGINAL


def test_it_keeps_the_original_when_the_customer_declines(db, maria):
    testimonial = approved(text=ORIGINAL)
    _propose(maria, testimonial, text=EDITED)
    testimonial.refresh_from_db()

    Client().post(reconsent_path(testimonial), {"action": "decline"})

    testimonial.refresh_from_db()
    assert testimonial.text == ORIGINAL
    assert testimonial.proposed == {}
    assert AuditEntry.objects.filter(action="testimonial.edit_declined").exists()


def test_it_does_not_apply_an_edit_that_was_replaced(db, maria):
    testimonial = approved(text=ORIGINAL)
    _propose(maria, testimonial, text=EDITED)
    testimonial.refresh_from_db()
    old_path = reconsent_path(testimonial)
    _propose(maria, testimonial, text="A completely different wording of the testimonial.")

    page = Client().get(old_path)
    Client().post(old_path, {"action": "confirm", "consent": "on"})

    assert b"Nothing to confirm" in page.content
    testimonial.refresh_from_db()
    assert testimonial.text == ORIGINAL


def test_it_stops_an_edit_link_when_the_team_withdraws_the_edit(db, maria):
    testimonial = approved(text=ORIGINAL)
    _propose(maria, testimonial, text=EDITED)
    testimonial.refresh_from_db()
    path = reconsent_path(testimonial)

    client_for(maria).post(f"/testimonials/manage/{testimonial.public_id}/edit/cancel/")
    Client().post(path, {"action": "confirm", "consent": "on"})

    testimonial.refresh_from_db()
    assert testimonial.text == ORIGINAL
    assert testimonial.proposed == {}


def test_it_answers_404_to_a_tampered_edit_link(db, maria):
    testimonial = approved()
    _propose(maria, testimonial, text=EDITED)
    testimonial.refresh_from_db()
    path = reconsent_path(testimonial)

    response = Client().get(path[:-6] + "xxxxx/")

    assert response.status_code == 404


def test_it_expires_the_edit_link(db, maria):
    testimonial = approved()
    _propose(maria, testimonial, text=EDITED)
    testimonial.refresh_from_db()
    path = reconsent_path(testimonial)

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = Client().get(path)

    assert response.status_code == 410


def test_it_refuses_an_edit_that_changes_nothing(db, maria):
    testimonial = approved()

    response = _propose(maria, testimonial)

    assert response.status_code == 400
    assert b"Nothing was changed" in response.content
    assert not OutboundMessage.objects.exists()


def test_it_does_not_let_sales_edit(db, sam):
    testimonial = approved()

    response = _propose(sam, testimonial, text=EDITED)

    assert response.status_code == 403
