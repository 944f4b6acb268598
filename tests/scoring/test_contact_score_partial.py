from leadline.scoring.engine import scores_recompute
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.scoring.factories import engagement_rule, event, fit_rule

HOSTILE = "<img src=x onerror=alert(1)>"


def test_it_shows_the_breakdown(sam):
    fit_rule(name="Director", points=15)
    engagement_rule(name="Pricing", points=10, url_contains="/pricing")
    contact = ContactFactory(job_title="Director", owner=sam)
    event(contact, url="/pricing")
    scores_recompute([contact.pk])

    body = client_for(sam).get(f"/contacts/{contact.public_id}/score/").content.decode()

    assert "+15" in body and "job title contains director" in body
    assert "+10" in body and "visited /pricing" in body


def test_it_says_when_a_contact_is_not_scored_yet(sam):
    contact = ContactFactory()
    body = client_for(sam).get(f"/contacts/{contact.public_id}/score/").content.decode()
    assert "Not scored yet" in body


def test_it_escapes_hostile_rule_text(maria):
    fit_rule(name=HOSTILE, value="director")
    contact = ContactFactory(job_title="Director")
    scores_recompute([contact.pk])

    body = client_for(maria).get(f"/contacts/{contact.public_id}/score/").content.decode()

    assert HOSTILE not in body and "&lt;img" in body


def test_it_hides_contacts_the_user_cannot_see(sam, oscar):
    contact = ContactFactory(owner=oscar)
    assert client_for(sam).get(f"/contacts/{contact.public_id}/score/").status_code == 404
