"""The public collection page behind the signed link: no sign-in, CSRF, consent, one testimonial
per request that can be changed until it is approved."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import ConsentRecord
from leadline.core.signing import make_token
from leadline.testimonials import models
from leadline.testimonials.services import CONSENT_PURPOSE, CONSENT_TEXT, CONSENT_TEXT_VERSION
from tests.factories import CompanyFactory, ContactFactory
from tests.testimonials.factories import CollectionRequestFactory
from tests.testimonials.helpers import answers, collect_path


@pytest.fixture
def request_row(db):
    contact = ContactFactory(
        first_name="Ada", last_name="Lovelace", job_title="CTO", company=CompanyFactory(name="Engines")
    )
    return CollectionRequestFactory(contact=contact)


def test_it_shows_the_form_with_the_name_filled_in(request_row):
    response = Client().get(collect_path(request_row))

    assert response.status_code == 200
    assert b"How was your experience?" in response.content
    assert b'value="Ada Lovelace"' in response.content
    assert CONSENT_TEXT.encode() in response.content
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]


def test_it_answers_404_to_a_tampered_link(request_row):
    path = collect_path(request_row)
    token = path.split("/")[-2]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    response = Client().get(f"/testimonials/r/{tampered}/")

    assert response.status_code == 404
    assert b"This link is not valid" in response.content


def test_it_answers_404_to_a_token_made_for_another_purpose(request_row):
    token = make_token({"r": str(request_row.public_id)}, purpose="mail.unsubscribe")

    assert Client().get(f"/testimonials/r/{token}/").status_code == 404


def test_it_says_clearly_when_the_link_has_expired(request_row):
    path = collect_path(request_row)

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = Client().get(path)
        posted = Client().post(path, answers())

    assert response.status_code == 410
    assert b"This link has expired" in response.content
    assert posted.status_code == 410
    assert not models.Testimonial.objects.exists()


def test_it_records_the_testimonial_with_the_consent_wording(request_row):
    response = Client().post(collect_path(request_row), answers(), REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 302
    testimonial = models.Testimonial.objects.get()
    assert testimonial.status == models.Testimonial.Status.PENDING
    assert testimonial.rating == 5
    assert testimonial.display_name == "Ada L."
    assert testimonial.contact == request_row.contact
    consent = ConsentRecord.objects.get(contact=request_row.contact, purpose=CONSENT_PURPOSE)
    assert consent.status == ConsentRecord.Status.GRANTED
    assert consent.text == CONSENT_TEXT
    assert consent.text_version == CONSENT_TEXT_VERSION
    assert consent.ip_address == "203.0.113.9"


def test_it_puts_the_submission_on_the_timeline(request_row):
    Client().post(collect_path(request_row), answers())

    entry = Activity.objects.get(contact=request_row.contact, kind=Kind.TESTIMONIAL)
    assert entry.data["event"] == "submitted"
    assert entry.data["rating"] == 5


def test_it_requires_consent_to_publish(request_row):
    response = Client().post(collect_path(request_row), answers(consent=None))

    assert response.status_code == 400
    assert b"Tick the box" in response.content
    assert not models.Testimonial.objects.exists()
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"rating": "0"},
        {"rating": "6"},
        {"rating": "five"},
        {"rating": None},
        {"text": "Too short"},
        {"text": "x" * 2001},
        {"display_name": ""},
        {"display_name": "n" * 121},
        {"company": "c" * 121},
    ],
)
def test_it_refuses_bad_answers_with_a_400(request_row, changes):
    response = Client().post(collect_path(request_row), answers(**changes))

    assert response.status_code == 400
    assert not models.Testimonial.objects.exists()


def test_it_checks_the_csrf_token(request_row):
    client = Client(enforce_csrf_checks=True)

    response = client.post(collect_path(request_row), answers())

    assert response.status_code == 403
    assert not models.Testimonial.objects.exists()


def test_it_lets_the_customer_change_it_before_approval(request_row):
    path = collect_path(request_row)
    Client().post(path, answers())

    revisit = Client().get(path)
    Client().post(path, answers(text="Even better than I first said, honestly.", rating="4"))

    assert b"waiting for approval" in revisit.content
    assert b"Working with them was the best decision" in revisit.content
    testimonial = models.Testimonial.objects.get()
    assert testimonial.text == "Even better than I first said, honestly."
    assert testimonial.rating == 4
    events = Activity.objects.filter(kind=Kind.TESTIMONIAL).values_list("data__event", flat=True)
    assert sorted(events) == ["resubmitted", "submitted"]


def test_it_shows_only_thanks_once_approved(request_row):
    path = collect_path(request_row)
    Client().post(path, answers())
    models.Testimonial.objects.update(status=models.Testimonial.Status.APPROVED)

    revisit = Client().get(path)
    attempt = Client().post(path, answers(text="Trying to change the published words."))

    assert b"Thank you" in revisit.content
    assert b"Send my testimonial" not in revisit.content
    assert attempt.status_code == 409
    assert models.Testimonial.objects.get().text.startswith("Working with them")


def test_it_lets_the_customer_withdraw(request_row):
    path = collect_path(request_row)
    Client().post(path, answers())
    models.Testimonial.objects.update(status=models.Testimonial.Status.APPROVED)

    response = Client().post(path, {"action": "withdraw"})

    assert response.status_code == 302
    assert models.Testimonial.objects.get().status == models.Testimonial.Status.WITHDRAWN
    latest = ConsentRecord.objects.filter(purpose=CONSENT_PURPOSE).order_by("-recorded_at", "-id").first()
    assert latest.status == ConsentRecord.Status.WITHDRAWN


def test_it_slows_down_a_flood_of_posts(request_row):
    path = collect_path(request_row)
    client = Client()

    statuses = [client.post(path, answers(text="short")).status_code for _ in range(14)]

    assert statuses[0] == 400
    assert statuses[-1] == 429


@pytest.mark.parametrize(
    "path",
    [
        "/testimonials/r/not-a-token/",
        "/testimonials/r/" + "a" * 3000 + "/",
        "/testimonials/r/%00%ff/",
        "/testimonials/r/eyJyIjoiIn0:1xWhUk:abc/",
    ],
)
def test_it_answers_hostile_links_with_404(db, path):
    assert Client().get(path).status_code == 404
    assert Client().post(path, answers()).status_code == 404


def test_it_survives_a_body_that_is_not_a_form(request_row):
    response = Client().post(
        collect_path(request_row), data=b"\x00\xff{not a form", content_type="application/json"
    )

    assert 400 <= response.status_code < 500
    assert not models.Testimonial.objects.exists()


def test_it_keeps_the_link_private_without_breaking_the_browsers_csrf_check(request_row):
    response = Client().get(collect_path(request_row))

    # "no-referrer" would make browsers post with "Origin: null", which the CSRF check refuses.
    assert response["Referrer-Policy"] == "same-origin"
    assert b'content="no-referrer"' not in response.content


def test_it_accepts_a_post_from_its_own_page_with_the_csrf_token(request_row):
    client = Client(enforce_csrf_checks=True)
    path = collect_path(request_row)
    client.get(path)
    token = client.cookies["csrftoken"].value

    response = client.post(path, {**answers(), "csrfmiddlewaretoken": token}, HTTP_ORIGIN="http://testserver")

    assert response.status_code == 302
    assert models.Testimonial.objects.exists()


def test_a_test_runs_link_opens_a_preview_that_saves_nothing(db):
    from leadline.testimonials.services import testimonial_request_url

    contact = ContactFactory(first_name="Cleo")
    url = testimonial_request_url(contact=contact, source="workflow-test:1:ask", preview=True)

    assert url.endswith("/testimonials/r/preview/")
    assert not models.TestimonialRequest.objects.exists()
    page = Client().get("/testimonials/r/preview/")
    assert page.status_code == 200
    assert b"Preview." in page.content and b"Nothing entered here is sent or saved" in page.content
    assert b"disabled" in page.content
    assert b"Cleo" not in page.content
    posted = Client().post("/testimonials/r/preview/", answers())
    assert posted.status_code == 405
    assert not models.Testimonial.objects.exists()
