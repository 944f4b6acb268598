"""The `{{ booking_link }}` of the forms' instant reply leads to the right booking page: the contact
owner's default meeting type, else one they host, else the workspace's first active one."""

from __future__ import annotations

import pytest

from leadline.forms.models import FormEmail
from leadline.forms.services import form_submit
from leadline.sales.meeting_selectors import booking_url_for
from tests.factories import ContactFactory
from tests.forms.factories import FormFactory, answers
from tests.sales.meeting_support import availability_for, meeting_type_for

BASE = "http://127.0.0.1:8000/meet/"


def test_it_offers_the_owners_default_meeting_type(sam):
    meeting_type_for(sam, slug="sams-first")
    chosen = meeting_type_for(sam, slug="sams-favourite")
    availability_for(sam, default_meeting_type=chosen)

    assert booking_url_for(ContactFactory(owner=sam)) == BASE + "sams-favourite"


def test_it_offers_the_owners_first_meeting_type_without_a_default(sam, oscar):
    meeting_type_for(oscar, slug="oscars")
    meeting_type_for(sam, slug="sams-first")
    meeting_type_for(sam, slug="sams-second")

    assert booking_url_for(ContactFactory(owner=sam)) == BASE + "sams-first"


def test_it_skips_a_paused_default(sam):
    paused = meeting_type_for(sam, slug="paused", is_active=False)
    meeting_type_for(sam, slug="open")
    availability_for(sam, default_meeting_type=paused)

    assert booking_url_for(ContactFactory(owner=sam)) == BASE + "open"


@pytest.mark.parametrize("owned", [True, False])
def test_it_falls_back_to_the_first_active_meeting_type(sam, oscar, owned):
    meeting_type_for(oscar, slug="paused", is_active=False)
    meeting_type_for(oscar, slug="workspace-call")
    meeting_type_for(oscar, slug="later-call")
    contact = ContactFactory(owner=sam if owned else None)

    assert booking_url_for(contact) == BASE + "workspace-call"


def test_it_leads_to_the_list_of_booking_pages_when_none_is_open(db):
    assert booking_url_for(None) == BASE


def test_the_instant_reply_carries_the_link(sam, django_capture_on_commit_callbacks, mailoutbox):
    meeting_type_for(sam, slug="clarity-call")
    ContactFactory(email="ada@example.org", owner=sam)
    form = FormFactory(autoreply_body="Book here: {{ booking_link }}")

    with django_capture_on_commit_callbacks(execute=True):
        form_submit(form=form, data=answers(form))

    reply = FormEmail.objects.get(kind=FormEmail.Kind.AUTOREPLY)
    assert "Book here: http://127.0.0.1:8000/meet/clarity-call" in reply.text_body
