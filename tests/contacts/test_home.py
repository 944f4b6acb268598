"""The home page: stage bars, new contacts this week, my open contacts and recent activity."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from leadline.contacts.models import LifecycleStage
from tests.conftest import client_for
from tests.contacts.screen_helpers import ESCAPED, HOSTILE, contact_owned_by
from tests.factories import ActivityFactory, ContactFactory


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert client.get("/").status_code == 302


def test_it_counts_contacts_by_stage(alice):
    ContactFactory.create_batch(3, lifecycle_stage=LifecycleStage.LEAD)
    ContactFactory(lifecycle_stage=LifecycleStage.CUSTOMER)
    response = client_for(alice).get("/")
    stages = {stage["value"]: stage for stage in response.context["overview"]["stages"]}
    assert stages["lead"]["count"] == 3 and stages["lead"]["percent"] == 100
    assert stages["customer"]["count"] == 1 and stages["customer"]["percent"] == 33
    assert 'href="/contacts/?stage=customer"' in response.content.decode()


def test_it_compares_new_contacts_this_week_with_last_week(alice):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=10), tick=False):
        ContactFactory.create_batch(3)
    with time_machine.travel(now - timedelta(days=30), tick=False):
        ContactFactory()
    ContactFactory.create_batch(5)
    overview = client_for(alice).get("/").context["overview"]
    assert (overview["new_this_week"], overview["new_last_week"], overview["new_change"]) == (5, 3, 2)


def test_it_lists_my_open_contacts_for_sales(sam, tess):
    contact_owned_by(sam, first_name="Open", last_name="Lead", lifecycle_stage=LifecycleStage.SQL)
    contact_owned_by(sam, first_name="Happy", last_name="Customer", lifecycle_stage=LifecycleStage.CUSTOMER)
    contact_owned_by(tess, first_name="Not", last_name="Mine")
    response = client_for(sam).get("/")
    assert [contact.first_name for contact in response.context["overview"]["my_open"]] == ["Open"]
    assert response.context["overview"]["my_open_count"] == 1


def test_it_shows_recent_activity_only_of_visible_contacts(sam, oscar):
    visible = contact_owned_by(sam, first_name="Vera")
    hidden = contact_owned_by(oscar, first_name="Hank")
    ActivityFactory(contact=visible, kind="page.view", title="Pricing page")
    ActivityFactory(contact=hidden, kind="page.view", title="Secret page")
    body = client_for(sam).get("/").content.decode()
    assert "Pricing page" in body
    assert "Secret page" not in body and "Hank" not in body


def test_it_keeps_to_the_last_ten_entries(alice):
    contact = ContactFactory()
    for _ in range(15):
        ActivityFactory(contact=contact)
    assert len(client_for(alice).get("/").context["recent"]) == 10


def test_it_escapes_hostile_activity_titles(alice):
    ActivityFactory(contact=ContactFactory(first_name=HOSTILE), kind="form.submitted", title=HOSTILE)
    body = client_for(alice).get("/").content.decode()
    assert HOSTILE not in body
    assert ESCAPED in body


def test_it_welcomes_an_empty_workspace(alice):
    body = client_for(alice).get("/").content.decode()
    assert "Good to see you, Alice" in body
    assert "add or import your first contacts" in body


def test_it_uses_a_constant_number_of_queries(alice, django_assert_max_num_queries):
    for _ in range(20):
        ActivityFactory(contact=ContactFactory(owner=alice), actor=alice)
    client = client_for(alice)
    client.get("/")
    with django_assert_max_num_queries(8):
        client.get("/")
