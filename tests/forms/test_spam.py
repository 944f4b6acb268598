"""Spam defences: the honeypot, a minimum time to fill the form, a signed render token and rate
limits per IP address and per email address. Refusals store nothing and say nothing specific."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.forms.models import FormSubmission
from leadline.forms.services import form_submit
from leadline.forms.spam import FormTokenInvalid, RateLimited, render_token_make
from tests.forms.factories import FormFactory, answers, token_for


def hosted(client, form, data, **extra):
    return client.post(f"/f/{form.slug}", data, **extra)


def test_a_filled_honeypot_is_refused_quietly_and_logged(client, db, caplog):
    form = FormFactory()

    with caplog.at_level(logging.INFO, logger="leadline.forms.spam"):
        response = hosted(client, form, answers(form, ll_hp="http://cheap-pills.example"))

    assert response.status_code == 400
    assert "could not accept this submission" in response.content.decode()
    assert "honeypot" not in response.content.decode().lower()
    assert "honeypot" in caplog.text
    assert not FormSubmission.objects.exists() and not Contact.objects.exists()


def test_a_form_sent_faster_than_a_human_could_is_refused(client, db, caplog):
    form = FormFactory()
    data = answers(form, ll_token=token_for(form, seconds_ago=0.5))

    with caplog.at_level(logging.INFO, logger="leadline.forms.spam"):
        response = hosted(client, form, data)

    assert response.status_code == 400
    body = response.content.decode()
    assert "could not accept this submission" in body
    assert 'value="Ada"' in body  # the answers are kept, so a hurried human just sends again
    assert "after the form was shown" in caplog.text
    assert not FormSubmission.objects.exists()


def test_the_minimum_time_is_a_setting(db, settings):
    settings.LEADLINE_FORMS_MIN_SECONDS = 0
    form = FormFactory()

    form_submit(form=form, data=answers(form, ll_token=render_token_make(form)))

    assert FormSubmission.objects.count() == 1


@pytest.mark.parametrize("token", [None, "", "garbage", "x" * 5000])
def test_a_missing_or_altered_token_asks_to_send_again(client, db, token):
    form = FormFactory()

    response = hosted(client, form, answers(form, ll_token=token))

    assert response.status_code == 400
    body = response.content.decode()
    assert "This form has expired" in body
    assert 'name="ll_token" value="' in body  # a fresh one to send with
    assert not FormSubmission.objects.exists()


def test_a_token_of_another_form_is_refused(db):
    form, other = FormFactory(), FormFactory()

    with pytest.raises(FormTokenInvalid):
        form_submit(form=form, data=answers(form, ll_token=token_for(other)))


def test_a_token_older_than_a_day_has_expired(db):
    form = FormFactory()
    data = answers(form)

    with time_machine.travel(timezone.now() + timedelta(hours=25)), pytest.raises(FormTokenInvalid):
        form_submit(form=form, data=data)


def test_too_many_submissions_from_one_address_are_limited(client, db, settings):
    settings.LEADLINE_FORMS_RATE_PER_IP = (3, 600)
    form = FormFactory()

    statuses = [
        hosted(client, form, answers(form, email=f"person{n}@example.org")).status_code for n in range(5)
    ]

    assert statuses == [200, 200, 200, 429, 429]
    assert FormSubmission.objects.count() == 3


def test_other_addresses_are_not_limited_by_one_busy_address(client, db, settings):
    settings.LEADLINE_FORMS_RATE_PER_IP = (1, 600)
    form = FormFactory()

    first = hosted(client, form, answers(form, email="a@example.org"), REMOTE_ADDR="198.51.100.1")
    second = hosted(client, form, answers(form, email="b@example.org"), REMOTE_ADDR="198.51.100.2")

    assert (first.status_code, second.status_code) == (200, 200)


def test_one_email_address_cannot_be_submitted_over_and_over(db, settings):
    settings.LEADLINE_FORMS_RATE_PER_EMAIL = (2, 3600)
    form = FormFactory()

    for n in range(2):
        form_submit(form=form, data=answers(form, first_name=f"Ada {n}"), ip_address=f"198.51.100.{n}")
    with pytest.raises(RateLimited):
        form_submit(form=form, data=answers(form, first_name="Ada 3"), ip_address="198.51.100.9")

    assert FormSubmission.objects.count() == 2


def test_the_limit_resets_after_its_window(db, settings):
    settings.LEADLINE_FORMS_RATE_PER_IP = (1, 600)
    form = FormFactory()
    form_submit(form=form, data=answers(form, email="a@example.org"), ip_address="198.51.100.1")

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        form_submit(form=form, data=answers(form, email="b@example.org"), ip_address="198.51.100.1")

    assert FormSubmission.objects.count() == 2


def test_replays_of_a_received_submission_do_not_count_against_the_limit(db, settings):
    settings.LEADLINE_FORMS_RATE_PER_IP = (1, 600)
    form = FormFactory()
    data = answers(form)

    for _ in range(5):
        form_submit(form=form, data=data, ip_address="198.51.100.1")

    assert FormSubmission.objects.count() == 1
