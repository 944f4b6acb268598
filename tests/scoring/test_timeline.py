from leadline.scoring.engine import scores_process_new_activity
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.scoring.factories import configure, engagement_rule, event


def test_it_shows_score_changes_and_the_mql_move_on_the_contact_timeline(maria):
    configure(mql_threshold=20)
    engagement_rule(points=20, url_contains="/pricing")
    contact = ContactFactory()
    event(contact, url="https://example.com/pricing")
    scores_process_new_activity()

    body = client_for(maria).get(f"/contacts/{contact.public_id}/timeline/").content.decode()

    assert "+20: visited /pricing" in body
    assert "Marketing qualified: score 20 reached the MQL threshold of 20" in body
    assert "By lead scoring" in body
