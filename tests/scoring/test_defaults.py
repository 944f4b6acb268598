from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact
from leadline.scoring.demo import seed_scoring_demo
from leadline.scoring.models import ScoringRule
from leadline.scoring.services import scoring_defaults_install
from tests.factories import ContactFactory


def test_it_installs_the_default_rules_once(db):
    assert scoring_defaults_install() > 0
    count = ScoringRule.objects.count()
    assert scoring_defaults_install() == 0
    assert ScoringRule.objects.count() == count
    assert ScoringRule.objects.filter(url_contains="/pricing").exists()


def test_it_scores_the_demo_contacts(db):
    contact = ContactFactory(job_title="Director of Marketing")
    Activity.objects.create(
        kind=Kind.PAGE_VIEW, contact=contact, url="/pricing", occurred_at=contact.created_at
    )

    seed_scoring_demo(echo=lambda message: None)
    seed_scoring_demo(echo=lambda message: None)

    assert Contact.objects.get(pk=contact.pk).score == 15 + 10 + 1
