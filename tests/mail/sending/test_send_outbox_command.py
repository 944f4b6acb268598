"""`leadline manage send_outbox --once` sends what is due and says what it did; the scheduler's
periodic run and `outbox_send_soon` send it too."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from leadline.core.scheduler import PERIODIC, _load_periodic_modules
from leadline.mail.models import OutboundMessage
from leadline.mail.sending_jobs import outbox_send_periodic, outbox_send_soon
from tests.factories import ContactFactory
from tests.mail.sending.factories import queue_campaign

pytestmark = pytest.mark.django_db


def test_once_sends_what_is_due_and_reports_it(smtp, sender):
    queue_campaign(ContactFactory.create_batch(3), sender=sender)
    output = StringIO()

    call_command("send_outbox", "--once", stdout=output)

    assert len(smtp.messages) == 3
    assert "3 claimed: 3 sent." in output.getvalue()
    assert set(OutboundMessage.objects.values_list("state", flat=True)) == {"sent"}


def test_it_refuses_a_lease_too_short_to_be_safe():
    with pytest.raises(CommandError, match="--lease-seconds"):
        call_command("send_outbox", "--once", "--lease-seconds", "0")


def test_the_scheduler_runs_the_sender_periodically(smtp, sender):
    _load_periodic_modules()
    assert "leadline.mail.sending_jobs.outbox_send_periodic" in PERIODIC
    queue_campaign(ContactFactory.create_batch(2), sender=sender)

    outbox_send_periodic()

    assert len(smtp.messages) == 2


def test_send_soon_hands_the_sending_to_a_worker(smtp, sender):
    queue_campaign([ContactFactory()], sender=sender)

    outbox_send_soon()  # the test task backend runs it at once

    assert len(smtp.messages) == 1
