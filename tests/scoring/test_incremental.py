from datetime import timedelta

import time_machine
from django.utils import timezone

from leadline.activity.models import Cursor
from leadline.contacts.models import Contact
from leadline.scoring.engine import CURSOR_NAME, scores_process_new_activity, scores_recompute_all
from leadline.scoring.models import ContactScore
from tests.factories import ContactFactory
from tests.scoring.factories import engagement_rule, event, score_rows


def test_it_scores_new_activity_from_the_cursor(db):
    engagement_rule(points=10, url_contains="/pricing")
    contact = ContactFactory()
    event(contact, url="/pricing")

    assert scores_process_new_activity() > 0

    assert Contact.objects.get(pk=contact.pk).score == 10
    assert Cursor.objects.get(name=CURSOR_NAME).position > 0
    assert scores_process_new_activity() == 1  # its own score.changed row, read and skipped
    assert scores_process_new_activity() == 0


def test_it_recomputes_only_the_contacts_with_new_activity(db):
    engagement_rule(points=10)
    busy, quiet = ContactFactory(), ContactFactory()
    event(busy, url="/a")
    event(quiet, url="/a")
    scores_process_new_activity()
    quiet_computed_at = ContactScore.objects.get(contact=quiet).computed_at

    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        event(busy, url="/b")
        scores_process_new_activity()

    assert ContactScore.objects.get(contact=quiet).computed_at == quiet_computed_at
    assert ContactScore.objects.get(contact=busy).computed_at > quiet_computed_at
    assert Contact.objects.get(pk=busy.pk).score == 20


def test_it_writes_one_timeline_row_for_a_burst_of_events(db):
    engagement_rule(points=2)
    contact = ContactFactory()
    for index in range(6):
        event(contact, url=f"/page-{index}")

    scores_process_new_activity()

    rows = score_rows(contact)
    assert len(rows) == 1
    assert rows[0].title == "+12: viewed a page ×6"


def test_it_works_through_a_backlog_in_several_batches(db):
    engagement_rule(points=1)
    contacts = [ContactFactory() for _ in range(4)]
    for contact in contacts:
        event(contact, url="/a")

    while scores_process_new_activity(limit=1):
        pass

    assert sorted(Contact.objects.values_list("score", flat=True)) == [1, 1, 1, 1]


def test_it_does_not_rescore_because_of_its_own_timeline_rows(db):
    engagement_rule(points=10)
    contact = ContactFactory()
    event(contact, url="/a")
    scores_process_new_activity()
    computed_at = ContactScore.objects.get(contact=contact).computed_at

    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        scores_process_new_activity()  # reads the score.changed row written above

    assert ContactScore.objects.get(contact=contact).computed_at == computed_at


def test_it_recomputes_everyone_on_demand(db):
    engagement_rule(points=3)
    contacts = [ContactFactory() for _ in range(5)]
    for contact in contacts:
        event(contact, url="/a")

    assert scores_recompute_all(batch_size=2) == 5
    assert set(Contact.objects.values_list("score", flat=True)) == {3}
    assert scores_recompute_all(batch_size=2) == 0


def test_it_recomputes_everyone_from_the_command_line(db):
    from io import StringIO

    from django.core.management import call_command

    engagement_rule(points=4)
    contact = ContactFactory()
    event(contact, url="/a")
    output = StringIO()

    call_command("scores_recompute", "--batch-size", "10", stdout=output)

    assert Contact.objects.get(pk=contact.pk).score == 4
    assert output.getvalue().startswith("1 scores changed")
