"""Enrolment pages: the history on the contact's timeline, failed ones with their error and a
retry button, and salespeople seeing only the enrolments of their own contacts."""

from __future__ import annotations

from typing import Any

from leadline.automation.engine import Engine
from leadline.automation.models import Enrolment
from leadline.automation.services import enrolment_create
from tests.automation.factories import email, make_workflow, wait
from tests.conftest import client_for
from tests.factories import ContactFactory


def test_it_puts_the_enrolment_history_on_the_contact_timeline(alice: Any, template: Any) -> None:
    workflow = make_workflow([email(template), wait(1)], name="Welcome drip")
    contact = ContactFactory()
    enrolment_create(workflow=workflow, contact=contact, trigger="manual")
    Engine().tick()
    page = client_for(alice).get(f"/contacts/{contact.public_id}/").content.decode()
    assert "Welcome drip: enrolled" in page


def test_it_shows_failed_enrolments_with_their_error_and_a_retry(maria: Any, template: Any) -> None:
    workflow = make_workflow([email(template, "send")], name="Broken")
    enrolment = enrolment_create(workflow=workflow, contact=ContactFactory(), trigger="manual")
    assert enrolment is not None
    Enrolment.objects.filter(pk=enrolment.pk).update(
        state="failed", last_error="The webhook answered 500.", attempts=5
    )
    client = client_for(maria)
    listing = client.get("/automation/enrolments/?state=failed").content.decode()
    assert "The webhook answered 500." in listing
    assert "Retry" in listing
    response = client.post(f"/automation/enrolments/{enrolment.public_id}/retry/")
    assert response.status_code == 302
    Engine().tick()
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.COMPLETED


def test_salespeople_see_only_the_enrolments_of_their_contacts(sam: Any, oscar: Any, template: Any) -> None:
    workflow = make_workflow([wait(1)], name="Nurture")
    mine = ContactFactory(owner=sam, first_name="Mine")
    theirs = ContactFactory(owner=oscar, first_name="Theirs")
    enrolment_create(workflow=workflow, contact=mine, trigger="manual")
    other = enrolment_create(workflow=workflow, contact=theirs, trigger="manual")
    assert other is not None
    client = client_for(sam)
    page = client.get("/automation/enrolments/").content.decode()
    assert mine.display_name in page
    assert theirs.display_name not in page
    assert client.get(f"/automation/enrolments/{other.public_id}/").status_code == 404
    assert client.post(f"/automation/enrolments/{other.public_id}/retry/").status_code == 403
