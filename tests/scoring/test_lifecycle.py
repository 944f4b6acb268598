import pytest

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact, LifecycleStage
from leadline.scoring.engine import scores_process_new_activity, scores_recompute
from tests.factories import ContactFactory
from tests.scoring.factories import configure, engagement_rule, event


@pytest.fixture
def pricing(db):
    configure(mql_threshold=50)
    return engagement_rule(points=30, url_contains="/pricing")


def _stage_changes(contact):
    return list(Activity.objects.filter(contact=contact, kind=Kind.STAGE_CHANGED))


def test_it_moves_a_lead_reaching_the_threshold_to_mql(pricing):
    contact = ContactFactory(lifecycle_stage=LifecycleStage.LEAD)
    event(contact, url="/pricing")
    scores_process_new_activity()
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == LifecycleStage.LEAD

    event(contact, url="/pricing")
    scores_process_new_activity()

    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == LifecycleStage.MQL
    [change] = _stage_changes(contact)
    assert change.data == {"from": "lead", "to": "mql", "via": "scoring"}
    why = Activity.objects.filter(contact=contact, kind=Kind.SCORE_CHANGED, data__stage__to="mql").get()
    assert why.data["stage"]["reason"] == "Score 60 reached the MQL threshold of 50"


def test_it_moves_a_contact_only_once(pricing):
    contact = ContactFactory(lifecycle_stage=LifecycleStage.SUBSCRIBER)
    for _ in range(2):
        event(contact, url="/pricing")
    scores_process_new_activity()
    event(contact, url="/pricing")
    scores_process_new_activity()

    assert len(_stage_changes(contact)) == 1


@pytest.mark.parametrize("stage", [LifecycleStage.SQL, LifecycleStage.CUSTOMER, LifecycleStage.OTHER])
def test_it_never_moves_a_contact_backwards_or_sideways(pricing, stage):
    contact = ContactFactory(lifecycle_stage=stage)
    for _ in range(3):
        event(contact, url="/pricing")

    scores_recompute([contact.pk])

    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == stage
    assert _stage_changes(contact) == []


def test_it_does_not_requalify_a_recycled_lead_still_above_the_threshold(pricing):
    contact = ContactFactory(lifecycle_stage=LifecycleStage.LEAD)
    event(contact, url="/pricing")
    event(contact, url="/pricing")
    scores_process_new_activity()
    # Sales sent the lead back; it keeps its score but must cross the threshold again to requalify.
    Contact.objects.filter(pk=contact.pk).update(lifecycle_stage=LifecycleStage.LEAD)
    event(contact, url="/blog")
    scores_process_new_activity()

    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == LifecycleStage.LEAD
