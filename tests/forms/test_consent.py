"""Consent from forms: the exact wording and its version are recorded; with confirmed opt-in the
consent stays pending until the person clicks the signed, expiring link we email them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leadline.contacts.models import ConsentRecord, Contact
from leadline.contacts.services import consent_record
from leadline.forms.models import FormEmail
from tests.forms.factories import CONSENT_TEXT, FormFactory, answers


@pytest.fixture
def opt_in_form(db):
    return FormFactory(
        consent_text=CONSENT_TEXT, consent_version="2024-06", double_opt_in=True, slug="newsletter"
    )


def post(client, form, capture, **values):
    with capture(execute=True):
        return client.post(f"/f/{form.slug}", answers(form, **values), REMOTE_ADDR="203.0.113.7")


def confirmation_link(mailoutbox) -> str:
    """The path of the link in the confirmation email."""
    [message] = [message for message in mailoutbox if "confirm" in message.subject.lower()]
    return re.search(r"https?://[^/\s]+(/f/confirm/\S+)", message.body).group(1)


def test_a_ticked_box_records_the_exact_wording_and_version(client, db, django_capture_on_commit_callbacks):
    form = FormFactory(consent_text=CONSENT_TEXT, consent_version="2024-06", slug="contact")

    post(client, form, django_capture_on_commit_callbacks, consent="yes")

    record = ConsentRecord.objects.get()
    assert record.status == ConsentRecord.Status.GRANTED
    assert (record.text, record.text_version) == (CONSENT_TEXT, "2024-06")
    assert (record.source, record.ip_address) == ("form:contact", "203.0.113.7")


def test_an_unticked_optional_box_records_nothing(client, db, django_capture_on_commit_callbacks):
    form = FormFactory(consent_text=CONSENT_TEXT, consent_version="v1")

    response = post(client, form, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert not ConsentRecord.objects.exists()
    assert Contact.objects.exists()


def test_a_required_box_must_be_ticked(client, db, django_capture_on_commit_callbacks):
    form = FormFactory(consent_text=CONSENT_TEXT, consent_version="v1", consent_required=True)

    response = post(client, form, django_capture_on_commit_callbacks, consent="")

    assert response.status_code == 400
    assert "Please tick the box to continue." in response.content.decode()
    assert not Contact.objects.exists()


def test_confirmed_opt_in_keeps_consent_pending_and_emails_a_link(
    client, opt_in_form, django_capture_on_commit_callbacks, mailoutbox
):
    post(client, opt_in_form, django_capture_on_commit_callbacks, consent="yes")

    assert list(ConsentRecord.objects.values_list("status", flat=True)) == [ConsentRecord.Status.PENDING]
    kinds = sorted(FormEmail.objects.values_list("kind", flat=True))
    assert kinds == [FormEmail.Kind.AUTOREPLY, FormEmail.Kind.CONFIRMATION]
    assert confirmation_link(mailoutbox).startswith("/f/confirm/")


def test_opening_the_link_asks_before_confirming(
    client, opt_in_form, django_capture_on_commit_callbacks, mailoutbox
):
    post(client, opt_in_form, django_capture_on_commit_callbacks, consent="yes")

    response = client.get(confirmation_link(mailoutbox))

    assert response.status_code == 200
    assert "Yes, subscribe me" in response.content.decode()
    assert ConsentRecord.objects.count() == 1  # a mail scanner opening the link confirms nothing


def test_pressing_the_button_subscribes_them_with_the_wording_they_agreed_to(
    client, opt_in_form, django_capture_on_commit_callbacks, mailoutbox
):
    post(client, opt_in_form, django_capture_on_commit_callbacks, consent="yes")
    opt_in_form.consent_text = "A newer wording"
    opt_in_form.save()

    response = client.post(confirmation_link(mailoutbox), REMOTE_ADDR="203.0.113.8")

    assert response.status_code == 200
    assert "You are subscribed" in response.content.decode()
    granted = ConsentRecord.objects.filter(status=ConsentRecord.Status.GRANTED).get()
    assert (granted.text, granted.text_version) == (CONSENT_TEXT, "2024-06")
    assert (granted.source, granted.ip_address) == ("form:newsletter:confirmed", "203.0.113.8")


def test_confirming_twice_records_it_once(
    client, opt_in_form, django_capture_on_commit_callbacks, mailoutbox
):
    post(client, opt_in_form, django_capture_on_commit_callbacks, consent="yes")
    link = confirmation_link(mailoutbox)

    client.post(link)
    again = client.post(link)

    assert "You were already subscribed" in again.content.decode()
    assert ConsentRecord.objects.filter(status=ConsentRecord.Status.GRANTED).count() == 1


def test_the_link_expires_after_a_week(client, opt_in_form, django_capture_on_commit_callbacks, mailoutbox):
    post(client, opt_in_form, django_capture_on_commit_callbacks, consent="yes")
    link = confirmation_link(mailoutbox)

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(link)

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert not ConsentRecord.objects.filter(status=ConsentRecord.Status.GRANTED).exists()


@pytest.mark.parametrize("token", ["garbage", "x" * 3000, "eyJzIjoiMSJ9:1abc:def"])
def test_an_altered_link_does_not_work(client, db, token):
    assert client.get(f"/f/confirm/{token}").status_code == 400
    assert client.post(f"/f/confirm/{token}").status_code == 400


def test_a_link_does_not_undo_a_later_unsubscribe(
    client, opt_in_form, django_capture_on_commit_callbacks, mailoutbox
):
    post(client, opt_in_form, django_capture_on_commit_callbacks, consent="yes")
    consent_record(contact=Contact.objects.get(), status=ConsentRecord.Status.WITHDRAWN, source="unsubscribe")

    response = client.post(confirmation_link(mailoutbox))

    assert response.status_code == 400
    assert not ConsentRecord.objects.filter(status=ConsentRecord.Status.GRANTED).exists()


def test_a_link_for_a_deleted_contact_does_not_work(
    client, opt_in_form, django_capture_on_commit_callbacks, mailoutbox
):
    post(client, opt_in_form, django_capture_on_commit_callbacks, consent="yes")
    Contact.objects.all().delete()

    assert client.post(confirmation_link(mailoutbox)).status_code == 400
