from leadline.contacts.models import Contact
from leadline.scoring.engine import scores_recompute
from leadline.scoring.models import ContactScore
from tests.factories import ContactFactory
from tests.scoring.factories import configure, engagement_rule, event, fit_rule


def test_it_caps_the_points_of_one_rule(db):
    engagement_rule(name="Pricing", points=10, url_contains="/pricing", cap=30)
    contact = ContactFactory()
    for _ in range(5):
        event(contact, url="https://example.com/pricing")

    scores_recompute([contact.pk])

    detail = ContactScore.objects.get(contact=contact)
    assert detail.engagement == 30
    assert detail.explanation[0]["reason"] == "visited /pricing ×5 (capped at 30)"


def test_it_caps_the_total(db):
    configure(score_cap=40)
    fit_rule(points=30)
    engagement_rule(points=10)
    contact = ContactFactory(job_title="Director")
    for _ in range(3):
        event(contact, url="/blog")

    scores_recompute([contact.pk])

    assert Contact.objects.get(pk=contact.pk).score == 40


def test_it_subtracts_negative_points(db):
    fit_rule(name="Student", points=-20, value="student")
    engagement_rule(points=5)
    contact = ContactFactory(job_title="PhD Student")
    event(contact, url="/blog")

    scores_recompute([contact.pk])

    assert Contact.objects.get(pk=contact.pk).score == -15


def test_it_ignores_urls_that_do_not_match_the_pattern(db):
    engagement_rule(points=10, url_contains="/pricing")
    contact = ContactFactory()
    event(contact, url="https://example.com/blog/pricing-models-explained")
    event(contact, url="https://example.com/about")

    scores_recompute([contact.pk])

    assert Contact.objects.get(pk=contact.pk).score == 10


def test_it_ignores_inactive_rules(db):
    engagement_rule(points=10, active=False)
    contact = ContactFactory()
    event(contact, url="/blog")

    scores_recompute([contact.pk])

    assert Contact.objects.get(pk=contact.pk).score == 0
