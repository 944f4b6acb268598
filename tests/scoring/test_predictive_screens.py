"""The predictive score on screen: beside the rule score on a contact, and on the scoring settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.scoring.models import PredictiveModel, PredictiveState
from leadline.scoring.predictive import predictive_train
from leadline.scoring.selectors import scoring_settings_get
from tests.conftest import client_for
from tests.factories import CompanyFactory, ContactFactory
from tests.scoring.predictive_history import build_history, visit

HOSTILE = "<img src=x onerror=alert(1)>"


def _pricing_three_times(contact, before):
    visit(contact, "/pricing", before - timedelta(days=5), times=3)


@pytest.fixture
def trained(db):
    build_history(customers=25, non_customers=60, customer_traits=_pricing_three_times)
    return predictive_train(rescore=False)


def _fragment(user, contact) -> str:
    response = client_for(user).get(reverse("scoring:contact_score", args=[contact.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_prediction_and_its_top_reasons_beside_the_rule_score(trained, sam):
    keen = ContactFactory(owner=sam, score=35)
    visit(keen, "/pricing", timezone.now(), times=3)
    from leadline.scoring.predictive import predictions_refresh

    predictions_refresh(contact_ids=[keen.pk])

    body = _fragment(sam, keen)

    assert "Rule score" in body and "Likely to buy" in body
    assert "likely to become a customer" in body
    assert "Visited pricing 3×" in body
    assert "raises the likelihood" in body
    assert f"Model v{trained.version}" in body


def test_it_keeps_the_fragment_to_a_few_queries(trained, sam, django_assert_max_num_queries):
    keen = ContactFactory(owner=sam)
    from leadline.scoring.predictive import predictions_refresh

    predictions_refresh(contact_ids=[keen.pk])
    scoring_settings_get()
    client = client_for(sam)
    url = reverse("scoring:contact_score", args=[keen.public_id])

    # session, user, the contact with its score and prediction, the scoring settings
    with django_assert_max_num_queries(4):
        client.get(url)


def test_it_says_plainly_when_there_is_too_little_history(sam):
    build_history(customers=7, non_customers=60)
    predictive_train()
    lead = ContactFactory(owner=sam)

    body = _fragment(sam, lead)

    assert "Not enough history yet: 7 customers, need 20." in body


def test_it_says_when_a_new_contact_waits_for_the_daily_pass(trained, sam):
    body = _fragment(sam, ContactFactory(owner=sam))

    assert "Not scored yet: new contacts are scored daily." in body


def test_it_says_a_customer_needs_no_prediction(trained, sam):
    customer = ContactFactory(owner=sam, lifecycle_stage="customer")

    assert "Already a customer." in _fragment(sam, customer)


def test_it_escapes_hostile_values_in_reasons(sam):
    hostile_company = CompanyFactory(industry=HOSTILE, employee_count=300)

    def hostile_customers(contact, _before):
        Contact.objects.filter(pk=contact.pk).update(company=hostile_company)

    build_history(customers=25, non_customers=60, customer_traits=hostile_customers)
    predictive_train(rescore=False)
    lead = ContactFactory(owner=sam, company=hostile_company)
    from leadline.scoring.predictive import predictions_refresh

    predictions_refresh(contact_ids=[lead.pk])

    body = _fragment(sam, lead)
    assert HOSTILE.casefold() not in body.casefold()
    assert "&lt;img" in body


def test_the_settings_page_says_when_no_model_was_trained_yet(maria):
    body = client_for(maria).get(reverse("scoring:settings")).content.decode()

    assert "No predictive model yet: it trains weekly" in body
    assert "Retrain now" in body


def test_the_settings_page_says_how_much_history_is_missing(maria):
    build_history(customers=4, non_customers=12)
    predictive_train()

    body = client_for(maria).get(reverse("scoring:settings")).content.decode()

    assert "Not enough history yet: 4 customers, need 20; 12 leads older than 90 days" in body
    assert "the rule score above is the one to go by" in body


def test_the_settings_page_shows_the_model_in_use(trained, sam):
    body = client_for(sam).get(reverse("scoring:settings")).content.decode()

    assert f"v{trained.version}" in body
    assert f"{trained.auc:.2f}" in body
    assert "Customers learned from" in body
    assert "Pricing page visits" in body  # what weighs most
    assert "Retrain now" not in body  # sales may look, not retrain
    assert "Not used yet: rule score." in body


def test_marketing_can_retrain_now(maria):
    build_history(customers=25, non_customers=60, customer_traits=_pricing_three_times)

    response = client_for(maria).post(reverse("scoring:predictive_train"))

    assert response.status_code == 302
    assert response["Location"].endswith("/settings/scoring/#predictive")
    model = PredictiveModel.objects.get()
    assert model.state == PredictiveState.TRAINED
    assert model.trained_by == maria


def test_sales_cannot_retrain(sam):
    response = client_for(sam).post(reverse("scoring:predictive_train"))

    assert response.status_code == 403
    assert not PredictiveModel.objects.exists()


def test_retraining_is_a_post(maria):
    assert client_for(maria).get(reverse("scoring:predictive_train")).status_code == 405
