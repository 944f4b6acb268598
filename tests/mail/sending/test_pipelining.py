"""Using the time the mail server takes to answer, without giving up exactly-once.

With a server that offers PIPELINING (RFC 2920), as Postfix does, each message's envelope and DATA
go out in one write; without it, one command at a time. Either way, the previous message is marked
sent before a byte of the next one's data leaves, and the next message is rendered while the server
reads the current one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from leadline.mail.models import OutboundMessage
from leadline.mail.sending import outbox_send_due
from leadline.mail.transport import Outcome, OutgoingEmail, SmtpServer, SmtpTransport
from tests.factories import ContactFactory
from tests.fixtures_smtp import HOST, SmtpSink, _Controller, _free_port
from tests.mail.sending.factories import queue_campaign, queue_personal, rows_of

pytestmark = pytest.mark.django_db
State = OutboundMessage.State


class PipeliningSink(SmtpSink):
    """The test server, offering PIPELINING in its EHLO reply and noting how commands arrive."""

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]


@pytest.fixture(params=["pipelining", "one command at a time"])
def any_server(request, smtp_mail: SmtpSink, settings) -> Iterator[SmtpSink]:
    if request.param == "one command at a time":
        settings.LEADLINE_SEND_RATE = 0
        yield smtp_mail
        return
    sink = PipeliningSink()
    sink.port = _free_port()
    controller = _Controller(sink, hostname=HOST, port=sink.port, ready_timeout=10)
    controller.start()
    sink._controller = controller
    sink.connections = 0
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_TIMEOUT = 2
    settings.LEADLINE_SEND_RATE = 0
    try:
        yield sink
    finally:
        sink.go_down()


def _email(recipient: str, subject: str = "Hello") -> OutgoingEmail:
    return OutgoingEmail(
        mail_from="bounce@northwind.example",
        recipient=recipient,
        from_name="Northwind",
        from_email="news@northwind.example",
        subject=subject,
        text="Hello.\n.A line starting with a dot.\n",
        html="<p>Hello.</p>",
        headers={"Message-ID": f"<{subject}@northwind.example>"},
    )


def test_a_campaign_goes_out_once_each_with_or_without_pipelining(any_server, sender):
    campaign = queue_campaign(ContactFactory.create_batch(5), sender=sender)

    report = outbox_send_due()

    assert report.sent == 5
    rows = rows_of(campaign)
    assert {row.state for row in rows} == {State.SENT}
    assert sorted(any_server.message_ids) == sorted(row.message_id for row in rows)
    assert any_server.connections == 1


def test_a_refused_recipient_fails_only_its_own_row(any_server, sender):
    contacts = ContactFactory.create_batch(3)
    any_server.reject_recipient(contacts[1].email)
    campaign = queue_campaign(contacts, sender=sender)

    report = outbox_send_due()

    assert (report.sent, report.failed) == (2, 1)
    by_email = {row.to_email: row for row in rows_of(campaign)}
    refused = by_email[contacts[1].email]
    assert refused.state == State.FAILED
    assert refused.smtp_response.startswith("RCPT TO: 550")
    assert [m.recipients for m in any_server.messages] == [[contacts[0].email], [contacts[2].email]]


def test_a_message_that_cannot_be_rendered_fails_alone_between_two_that_go_out(any_server, sender, sam):
    # Each message is rendered while the server reads the one before it.
    first = queue_personal(ContactFactory(), user=sam, subject="One", body="Hello")
    broken = queue_personal(ContactFactory(), user=sam, subject="Two", body="x" * 200_001)
    last = queue_personal(ContactFactory(), user=sam, subject="Three", body="Hello")

    report = outbox_send_due()

    assert (report.sent, report.failed) == (2, 1)
    for row in (first, broken, last):
        row.refresh_from_db()
    assert (first.state, broken.state, last.state) == (State.SENT, State.FAILED, State.SENT)
    assert broken.last_error.startswith("The email could not be rendered: The email is too long")
    assert sorted(m.subject for m in any_server.messages) == ["One", "Three"]


def test_the_hook_before_data_runs_before_the_server_sees_the_message(any_server):
    transport = SmtpTransport(SmtpServer(host=HOST, port=any_server.port, timeout=2))
    seen: list[tuple[str, int]] = []
    try:
        first = transport.send(_email("ada@example.org", "first"))
        delivery = transport.send(
            _email("grace@example.org", "second"),
            before_data=lambda: seen.append(("before data", any_server.received)),
            while_waiting=lambda: seen.append(("while waiting", 0)),
        )
    finally:
        transport.close()

    assert first.outcome == delivery.outcome == Outcome.SENT
    assert seen == [("before data", 1), ("while waiting", 0)]
    assert any_server.messages[1].text == "Hello.\n.A line starting with a dot.\n"


def test_a_failing_hook_before_data_means_the_message_is_not_sent(any_server):
    transport = SmtpTransport(SmtpServer(host=HOST, port=any_server.port, timeout=2))

    def fail() -> None:
        raise RuntimeError("the database is gone")

    try:
        with pytest.raises(RuntimeError):
            transport.send(_email("ada@example.org"), before_data=fail)
        assert transport.connection is None  # dropped: the server holds an envelope without data
        after = transport.send(_email("grace@example.org", "after"))
    finally:
        transport.close()

    assert after.outcome == Outcome.SENT
    assert [m.recipients for m in any_server.messages] == [["grace@example.org"]]
    assert any_server.received == 1


def test_the_hook_before_data_runs_even_when_the_server_cannot_be_reached(sender, settings):
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    transport = SmtpTransport(SmtpServer(host=HOST, port=settings.EMAIL_PORT, timeout=1))
    ran: list[bool] = []

    with pytest.raises(Exception, match="Could not connect"):
        transport.send(_email("ada@example.org"), before_data=lambda: ran.append(True))

    assert ran == [True]
