"""The predictive score in the API: beside the rule score on a contact, and the model's status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.accounts.models import Scope
from leadline.scoring.models import PredictiveModel
from leadline.scoring.predictive import predictions_refresh, predictive_train
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory
from tests.scoring.predictive_history import build_history, visit

READ = [Scope.CONTACTS_READ]


def _pricing_three_times(contact, before):
    visit(contact, "/pricing", before - timedelta(days=5), times=3)


@pytest.fixture
def trained(db):
    build_history(customers=25, non_customers=60, customer_traits=_pricing_three_times)
    return predictive_train(rescore=False)


def test_the_contact_score_carries_the_prediction_and_its_reasons(trained, sam):
    keen = ContactFactory(owner=sam)
    visit(keen, "/pricing", timezone.now(), times=3)
    predictions_refresh(contact_ids=[keen.pk])

    body = api_as(sam, READ).get(f"/contacts/{keen.public_id}/score").json()

    predicted = body["predicted"]
    assert predicted["state"] == "predicted"
    assert 0.5 < predicted["probability"] <= 1
    assert predicted["model_version"] == trained.version
    assert predicted["lift"] > 1
    top = predicted["reasons"][0]
    assert (top["feature"], top["text"], top["sign"]) == ("pricing_views", "Visited pricing 3×", "+")
    assert top["weight"] > 0


def test_the_contact_score_says_why_there_is_no_prediction(sam):
    build_history(customers=3, non_customers=60)
    predictive_train()
    lead = ContactFactory(owner=sam)

    predicted = api_as(sam, READ).get(f"/contacts/{lead.public_id}/score").json()["predicted"]

    assert predicted == {
        "state": "no_model",
        "message": "Not enough history yet: 3 customers, need 20.",
        "probability": None,
        "lift": None,
        "reasons": [],
        "model_version": None,
        "computed_at": None,
    }


def test_the_model_status_says_how_much_history_is_missing(sam):
    build_history(customers=5, non_customers=55)

    body = api_as(sam, READ).get("/scoring/model").json()

    assert body["state"] == "not_enough_history"
    assert body["message"] == "Not enough history yet: 5 customers, need 20."
    assert (body["customers"], body["need_customers"]) == (5, 20)
    assert (body["non_customers"], body["need_non_customers"]) == (55, 50)
    assert body["model"] is None
    assert body["last_run_at"] is None


def test_the_model_status_describes_the_model_in_use(trained, sam):
    body = api_as(sam, READ).get("/scoring/model").json()

    assert body["state"] == "trained"
    model = body["model"]
    assert model["version"] == trained.version
    assert model["auc"] == pytest.approx(trained.auc)
    assert (model["customers"], model["non_customers"]) == (25, 60)
    assert model["train_size"] + model["holdout_size"] == 85
    assert model["drivers"][0]["feature"] == "pricing_views"
    assert model["left_out"] == ["rule_score"]  # the history has no scores from before anyone bought
    assert "artifact" not in model


def test_marketing_can_retrain_through_the_api(maria):
    build_history(customers=25, non_customers=60, customer_traits=_pricing_three_times)

    response = api_as(maria, [Scope.SETTINGS_WRITE, Scope.CONTACTS_READ]).post("/scoring/model/train")

    assert response.status_code == 200
    assert response.json()["state"] == "trained"
    assert PredictiveModel.objects.get().trained_by == maria


def test_sales_cannot_retrain_through_the_api(sam):
    response = api_as(sam, READ).post("/scoring/model/train")

    assert response.status_code == 403
    assert "settings:write" in error_of(response)["message"]
    assert not PredictiveModel.objects.exists()


def test_a_body_on_the_retrain_call_is_ignored_not_a_crash(maria):
    response = api_as(maria, [Scope.SETTINGS_WRITE]).request(
        "POST", "/scoring/model/train", raw="{not json", headers={}
    )

    assert response.status_code < 500
