"""Training the predictive score on synthetic histories where we know what decides who buys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.scoring.models import ContactPrediction, PredictiveModel, PredictiveState
from leadline.scoring.predictive import (
    KEEP_ARTIFACTS,
    contact_prediction_view,
    current_model,
    predictions_update_stale,
    predictive_status,
    predictive_train,
)
from tests.factories import ContactFactory
from tests.scoring.predictive_history import backdate, build_history, company, convert, visit

pytestmark = pytest.mark.django_db


def _pricing_three_times(contact, before):
    visit(contact, "https://example.com/pricing", before - timedelta(days=5), times=3)


@pytest.fixture
def pricing_history():
    """Everyone who bought had visited the pricing page three times first; nobody else had."""
    return build_history(customers=30, non_customers=70, customer_traits=_pricing_three_times)


def test_it_trains_a_model_and_records_how_good_it_is(pricing_history):
    model = predictive_train()

    assert model.state == PredictiveState.TRAINED
    assert model.version == 1
    assert (model.customers, model.non_customers) == (30, 70)
    assert model.train_size + model.holdout_size == 100
    assert model.holdout_size == 25
    assert model.auc is not None and model.auc > 0.9
    assert model.base_rate == pytest.approx(0.3)
    assert model.artifact
    assert model.drivers[0]["feature"] == "pricing_views"


def test_it_names_the_deciding_feature_as_the_top_reason(pricing_history):
    predictive_train()
    keen = backdate(ContactFactory(job_title="Engineer", country="DE"), timedelta(days=3))
    visit(keen, "https://example.com/pricing?plan=pro", timezone.now(), times=3)
    idle = backdate(ContactFactory(job_title="Engineer", country="DE"), timedelta(days=3))

    predictions_update_stale()

    keen_prediction = ContactPrediction.objects.get(contact=keen)
    idle_prediction = ContactPrediction.objects.get(contact=idle)
    assert keen_prediction.probability > 0.5 > idle_prediction.probability
    assert keen_prediction.reasons[0] | {"weight": 0} == {
        "feature": "pricing_views",
        "text": "Visited pricing 3×",
        "sign": "+",
        "weight": 0,
    }
    assert idle_prediction.reasons[0]["feature"] == "pricing_views"
    assert idle_prediction.reasons[0]["sign"] == "-"
    assert idle_prediction.reasons[0]["text"] == "Never visited pricing"


def test_it_learns_a_categorical_signal_such_as_company_size():
    big, small = company(500), company(5)

    def at_big_company(contact, _before):
        Contact.objects.filter(pk=contact.pk).update(company=big)

    def at_small_company(contact, _before):
        Contact.objects.filter(pk=contact.pk).update(company=small)

    build_history(
        customers=25, non_customers=60, customer_traits=at_big_company, lead_traits=at_small_company
    )
    predictive_train()
    newcomer_big = ContactFactory(company=big)
    newcomer_small = ContactFactory(company=small)

    predictions_update_stale()

    big_prediction = ContactPrediction.objects.get(contact=newcomer_big)
    small_prediction = ContactPrediction.objects.get(contact=newcomer_small)
    assert big_prediction.probability > small_prediction.probability
    assert big_prediction.reasons[0]["text"] == "Company size 201–1,000"
    assert big_prediction.reasons[0]["sign"] == "+"
    assert small_prediction.reasons[0]["text"] == "Company size 1–10"
    assert small_prediction.reasons[0]["sign"] == "-"


def test_it_ignores_what_customers_did_after_they_bought():
    """Visits to pricing after buying (to upgrade, say) must not teach the model anything."""

    def pricing_after_buying(contact, bought_at):
        visit(contact, "/pricing", bought_at + timedelta(days=10), times=5)

    build_history(customers=25, non_customers=60, customer_traits=pricing_after_buying)

    model = predictive_train()

    assert "pricing_views" not in [driver["feature"] for driver in model.drivers[:1]]
    assert model.auc is not None and model.auc < 0.8


def test_it_learns_from_orders_as_well_as_stage_changes():
    def orders_instead(contact, bought_at):
        _pricing_three_times(contact, bought_at)

    groups = build_history(customers=20, non_customers=55, customer_traits=orders_instead)
    for contact in groups["customers"][:10]:
        convert(contact, timezone.now() - timedelta(days=150), via="order")

    model = predictive_train()

    assert model.state == PredictiveState.TRAINED
    assert model.customers == 20


def test_it_says_plainly_when_there_is_too_little_history():
    build_history(customers=7, non_customers=60, customer_traits=_pricing_three_times)

    model = predictive_train()

    assert model.state == PredictiveState.NOT_ENOUGH_HISTORY
    assert model.message == "Not enough history yet: 7 customers, need 20."
    assert not model.artifact
    assert current_model() is None
    assert not ContactPrediction.objects.exists()
    lead = ContactFactory()
    view = contact_prediction_view(lead, None)
    assert (view.state, view.message) == ("no_model", "Not enough history yet: 7 customers, need 20.")


def test_it_counts_only_leads_old_enough_to_judge():
    groups = build_history(customers=25, non_customers=60)
    young = groups["leads"][:20]
    Contact.objects.filter(pk__in=[contact.pk for contact in young]).update(
        created_at=timezone.now() - timedelta(days=10)
    )

    model = predictive_train()

    assert model.state == PredictiveState.NOT_ENOUGH_HISTORY
    assert model.non_customers == 40
    assert "40 leads older than 90 days that did not buy, need 50" in model.message


def test_it_keeps_one_row_while_the_history_is_too_short():
    build_history(customers=3, non_customers=10)

    first = predictive_train()
    second = predictive_train()

    assert first.pk == second.pk
    assert PredictiveModel.objects.count() == 1


def test_it_keeps_the_model_in_use_when_a_retraining_lacks_history(pricing_history):
    trained = predictive_train()
    Contact.objects.filter(pk__in=[contact.pk for contact in pricing_history["customers"][:20]]).delete()

    retried = predictive_train()
    status = predictive_status()

    assert retried.state == PredictiveState.NOT_ENOUGH_HISTORY
    assert retried.version == trained.version + 1
    assert status.model is not None and status.model.pk == trained.pk
    assert status.warnings and "Still using v1" in status.warnings[0]


def test_it_versions_models_and_drops_old_artifacts(pricing_history):
    versions = [predictive_train(rescore=False).version for _ in range(KEEP_ARTIFACTS + 2)]

    assert versions == list(range(1, KEEP_ARTIFACTS + 3))
    kept = PredictiveModel.objects.filter(artifact__isnull=False).values_list("version", flat=True)
    assert sorted(kept) == versions[-KEEP_ARTIFACTS:]
    assert current_model().version == versions[-1]


def test_it_scores_every_open_contact_after_training_but_not_customers(pricing_history):
    predictive_train()

    open_contacts = Contact.objects.exclude(lifecycle_stage="customer")
    assert ContactPrediction.objects.count() == open_contacts.count() == 70
    customer = Contact.objects.get(pk=pricing_history["customers"][0].pk)
    assert not ContactPrediction.objects.filter(contact=customer).exists()
    assert contact_prediction_view(customer, None).state == "customer"


def test_the_daily_pass_scores_new_and_changed_contacts_only(pricing_history):
    predictive_train()
    before = dict(ContactPrediction.objects.values_list("contact_id", "computed_at"))
    newcomer = ContactFactory()
    changed = pricing_history["leads"][0]
    Contact.objects.filter(pk=changed.pk).update(last_activity_at=timezone.now() + timedelta(minutes=1))

    with_later_clock = timezone.now() + timedelta(minutes=2)
    scored = predictions_update_stale(now=with_later_clock)

    assert scored == 2
    after = dict(ContactPrediction.objects.values_list("contact_id", "computed_at"))
    assert newcomer.pk in after
    assert after[changed.pk] == with_later_clock
    untouched = pricing_history["leads"][1]
    assert after[untouched.pk] == before[untouched.pk]


def test_the_command_trains_and_reports(pricing_history, capsys):
    call_command("scoring_train")

    out = capsys.readouterr().out
    assert out.startswith("Model v1: 30 customers and 70 non-customers")
    assert "AUC" in out


def test_the_command_says_when_history_is_too_short(capsys):
    call_command("scoring_train")

    assert capsys.readouterr().out.strip() == (
        "Not enough history yet: 0 customers, need 20; 0 leads older than 90 days that did not buy, need 50."
    )


def test_it_retrains_weekly_and_updates_daily():
    from leadline.core.scheduler import PERIODIC
    from leadline.scoring import tasks

    weekly = PERIODIC[f"{tasks.__name__}.predictive_retrain"]
    daily = PERIODIC[f"{tasks.__name__}.predictions_daily"]

    assert weekly.every == timedelta(days=7)
    assert daily.every == timedelta(days=1)


def test_the_weekly_run_leaves_a_fresh_model_alone(pricing_history, time_machine):
    from leadline.scoring.tasks import predictive_retrain

    predictive_train(rescore=False)

    time_machine.move_to(timezone.now() + timedelta(days=2))
    assert predictive_retrain() == "fresh"
    time_machine.move_to(timezone.now() + timedelta(days=6))
    assert predictive_retrain() == "trained"
    assert PredictiveModel.objects.count() == 2


def test_customers_from_before_tracking_began_do_not_teach_that_visits_hurt():
    """Tracking started after the customers bought: their zero page views mean "not watched"."""

    def visits_after_tracking_began(contact, bought_at):
        visit(contact, "/blog/latest", timezone.now() - timedelta(days=1), times=4)

    groups = build_history(customers=25, non_customers=60, lead_traits=visits_after_tracking_began, seed=3)
    from leadline.activity.models import Activity

    # Only the leads' visits remain: the history before tracking has none.
    Activity.objects.filter(kind="page.view", contact__in=groups["customers"]).delete()
    Activity.objects.filter(kind="page.view", url="/blog/post").delete()

    model = predictive_train()

    assert "page_views" not in [driver["feature"] for driver in model.drivers]
    assert "Left out, as they were not recorded before most customers bought: page views" in model.message


def test_a_few_customers_with_unknown_counts_are_left_out_of_training_not_the_count():
    from leadline.scoring.predictive import settle_unknowns
    from leadline.scoring.predictive_features import NUMERIC

    def row(**unknown):
        return {name: (None if name in unknown else 1.0) for name in NUMERIC}

    rows = [row(page_views=True)] * 2 + [row()] * 23 + [row()] * 60
    labels = [1] * 25 + [0] * 60

    kept_rows, kept_labels, left_out = settle_unknowns(rows, labels)

    assert left_out == []
    assert (sum(kept_labels), len(kept_labels)) == (23, 83)
    assert all(kept["page_views"] is not None for kept in kept_rows)


def test_a_count_unknown_for_many_customers_is_left_out_of_the_model():
    from leadline.scoring.predictive import settle_unknowns
    from leadline.scoring.predictive_features import NUMERIC

    rows = [{name: (None if name == "rule_score" else 1.0) for name in NUMERIC}] * 25 + [
        {name: 1.0 for name in NUMERIC}
    ] * 60
    labels = [1] * 25 + [0] * 60

    _kept_rows, kept_labels, left_out = settle_unknowns(rows, labels)

    assert left_out == ["rule_score"]
    assert len(kept_labels) == 85
