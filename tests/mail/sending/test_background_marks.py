"""Marks sent ahead (PostgreSQL): the mark of an accepted message goes out on a connection of its
own at the 250, and commits while the next messages are rendered and the next envelope goes out.
The next message's data still waits for the mark's answer: a mark that fails stops the next message
before its data, exactly as a mark made in line would."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from leadline.mail import sending
from leadline.mail.models import OutboundMessage
from leadline.mail.sending import marks_in_background, outbox_send_due
from leadline.mail.transport import SmtpServer, SmtpTransport
from tests.factories import ContactFactory
from tests.mail.sending.factories import queue_campaign, rows_of
from tests.mail.sending.test_pipelining import any_server  # noqa: F401 - the fixture, both ways

pytestmark = pytest.mark.django_db(transaction=True)
State = OutboundMessage.State
postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="Marks are sent ahead on PostgreSQL only."
)


def _connections_to_this_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


@postgresql_only
def test_a_campaign_with_marks_sent_ahead_goes_out_once_each(any_server, sender):  # noqa: F811
    campaign = queue_campaign(ContactFactory.create_batch(6), sender=sender)
    before = _connections_to_this_database()

    report = outbox_send_due()

    assert report.sent == 6
    rows = rows_of(campaign)
    assert {row.state for row in rows} == {State.SENT}
    assert all(row.sent_at is not None for row in rows)
    assert sorted(any_server.message_ids) == sorted(row.message_id for row in rows)
    assert _connections_to_this_database() == before  # the marks' connection is closed with the run


@postgresql_only
def test_a_failing_mark_stops_the_next_message_before_its_data(any_server, sender, monkeypatch):  # noqa: F811
    campaign = queue_campaign(ContactFactory.create_batch(4), sender=sender)
    real_parameters = sending._PipelinedMarks._parameters
    marks: list[int] = []

    def parameters(self: Any, message: Any, email: Any, delivery: Any) -> list[str]:
        values = real_parameters(self, message, email, delivery)
        marks.append(message.pk)
        if len(marks) == 2:
            values[values.index(str(message.pk))] = "not a row"  # the server refuses the statement
        return values

    monkeypatch.setattr(sending._PipelinedMarks, "_parameters", parameters)
    transport = SmtpTransport(SmtpServer(host=any_server.host, port=any_server.port, timeout=2))
    try:
        with pytest.raises(DatabaseError, match="could not be marked sent"):
            outbox_send_due(transport=transport)
        assert transport.connection is None  # dropped: the server holds the third envelope, no data
    finally:
        transport.close()

    first, second, third, fourth = rows_of(campaign)
    assert marks == [first.pk, second.pk]
    # The second message went out but could not be marked: it is the one left unmarked, and the
    # third never reached the server.
    assert any_server.message_ids == [first.message_id, second.message_id]
    assert any_server.received == 2
    assert first.state == State.SENT
    assert (second.state, third.state, fourth.state) == (State.SENDING,) * 3


@postgresql_only
def test_a_sender_stopped_after_a_mark_sent_ahead_puts_the_rest_back_with_every_sent_row_marked(smtp, sender):
    campaign = queue_campaign(ContactFactory.create_batch(5), sender=sender)

    report = outbox_send_due(should_stop=lambda: len(smtp.messages) >= 3)

    rows = rows_of(campaign)
    assert [row.state for row in rows] == [State.SENT] * 3 + [State.QUEUED] * 2
    assert (report.sent, report.released) == (3, 2)
    assert len(smtp.messages) == 3


def test_marks_are_sent_ahead_only_on_postgresql_outside_a_transaction():
    expected = connection.vendor == "postgresql"
    assert marks_in_background() is expected
    with transaction.atomic():
        assert marks_in_background() is False


@pytest.mark.django_db  # the test runs inside a transaction, as a caller's own transaction would
def test_inside_a_transaction_the_marks_stay_on_its_connection(smtp, sender):
    campaign = queue_campaign(ContactFactory.create_batch(3), sender=sender)

    report = outbox_send_due()

    assert report.sent == 3
    assert {row.state for row in rows_of(campaign)} == {State.SENT}
