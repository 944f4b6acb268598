from leadline.contacts.models import Contact
from leadline.scoring.engine import scores_recompute
from leadline.scoring.models import ContactScore
from tests.factories import ContactFactory
from tests.scoring.factories import engagement_rule, event, fit_rule, score_rows


def test_it_explains_a_single_reason_with_its_points(db):
    engagement_rule(points=10, url_contains="/pricing")
    contact = ContactFactory()
    event(contact, url="https://example.com/pricing")

    scores_recompute([contact.pk])

    [row] = score_rows(contact)
    assert row.title == "+10: visited /pricing"
    assert row.data["from"] == 0 and row.data["to"] == 10
    assert row.data["reasons"] == [{"rule": "Pricing visits", "points": 10, "reason": "visited /pricing"}]


def test_it_summarises_several_reasons_as_a_move(db):
    engagement_rule(points=10, url_contains="/pricing")
    fit_rule(name="Director", points=15)
    contact = ContactFactory(job_title="Director")
    event(contact, url="/pricing")

    scores_recompute([contact.pk])

    [row] = score_rows(contact)
    assert row.title == "Score 0 → 25"
    assert {reason["rule"] for reason in row.data["reasons"]} == {"Pricing visits", "Director"}


def test_it_writes_nothing_when_the_score_stays_the_same(db):
    fit_rule(points=15)
    contact = ContactFactory(job_title="Director")
    scores_recompute([contact.pk])
    scores_recompute([contact.pk])

    assert len(score_rows(contact)) == 1


def test_it_says_which_rule_stopped_counting(db):
    rule = fit_rule(name="Director", points=15)
    contact = ContactFactory(job_title="Director")
    scores_recompute([contact.pk])
    rule.active = False
    rule.save()

    scores_recompute([contact.pk])

    last = score_rows(contact)[-1]
    assert last.title == "-15: no longer: job title contains director"
    assert Contact.objects.get(pk=contact.pk).score == 0
    assert ContactScore.objects.get(contact=contact).explanation == []
