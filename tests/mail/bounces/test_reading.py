"""Reading what came back: each real-world sample is recognised for what it is, and tied to the
message it is about by its return address or by the Message-ID it quotes."""

from __future__ import annotations

from typing import Any

import pytest

from leadline.mail.bounces import InboundError, parse_inbound, read_inbound
from tests.mail.bounces.conftest import sample


def _read(name: str, message: Any, **values: str) -> Any:
    return read_inbound(parse_inbound(sample(name, message, **values)))


@pytest.mark.parametrize(
    ("name", "bounce_type", "status", "found_by"),
    [
        ("postfix_user_unknown", "hard", "5.1.1", "return_path"),
        ("exim_plain_text", "hard", "5.1.1", "return_path"),
        ("gmail_over_quota", "soft", "4.2.2", "return_path"),
        ("microsoft_recipient_not_found", "hard", "5.1.10", "message_id"),
        ("postfix_delayed", "deferred", "4.4.1", "return_path"),
    ],
)
def test_it_classifies_bounces_of_each_mail_server(name, bounce_type, status, found_by, message):
    report = _read(name, message)

    assert report.kind == "bounce"
    assert report.message == message
    assert report.found_by == found_by
    [failure] = report.failures
    assert failure.recipient == message.to_email
    assert failure.bounce_type == bounce_type
    assert failure.status == status


def test_it_keeps_what_the_receiving_server_said(message):
    [failure] = _read("postfix_user_unknown", message).failures

    assert "User unknown in virtual mailbox table" in failure.diagnostic


@pytest.mark.parametrize("name", ["vacation_reply", "outlook_automatic_reply"])
def test_it_does_not_take_automatic_replies_for_bounces(name, message):
    report = _read(name, message)

    assert report.kind == "auto_reply"
    assert report.failures == []


def test_it_reads_a_spam_complaint_report(message):
    report = _read("arf_complaint", message)

    assert report.kind == "complaint"
    assert report.feedback_type == "abuse"
    assert report.message == message


def test_it_reads_mail_to_the_unsubscribe_address(message):
    report = _read("mailto_unsubscribe", message)

    assert report.kind == "unsubscribe"
    assert report.message == message


@pytest.mark.parametrize("name", ["postfix_user_unknown", "exim_plain_text", "arf_complaint"])
def test_it_finds_the_message_by_its_message_id_without_a_bounce_domain(name, message, settings):
    raw = sample(name, message)
    settings.LEADLINE_BOUNCE_DOMAIN = ""

    report = read_inbound(parse_inbound(raw))

    assert report.message == message
    assert report.found_by == "message_id"


def test_it_ignores_a_forged_return_address(message):
    forged = f"bounce+{message.public_id.hex}.0123456789abcdef@bounces.northwind.example"

    report = _read("postfix_user_unknown", message, RETURN_PATH=forged, MESSAGE_ID="<unknown@nowhere>")

    assert report.kind == "bounce"
    # Not by the forged address: only because we really sent to that recipient.
    assert report.found_by == "recipient"


def test_it_does_not_match_a_bounce_for_an_address_we_never_mailed(message):
    report = _read(
        "postfix_user_unknown",
        message,
        RETURN_PATH="someone@elsewhere.example",
        MESSAGE_ID="<unknown@nowhere>",
        RECIPIENT="stranger@example.net",
    )

    assert report.kind == "bounce"
    assert report.message is None


def test_a_plain_message_is_not_a_bounce(db):
    raw = b"From: jane@example.org\r\nTo: hello@northwind.example\r\nSubject: Question\r\n\r\nHow much is it?\r\n"

    assert read_inbound(parse_inbound(raw)).kind == "not_a_bounce"


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n", b"\x00\x01\x02 not a message", b"just some words without any header"],
)
def test_it_refuses_input_that_is_not_an_email(raw):
    with pytest.raises(InboundError):
        parse_inbound(raw)


def test_it_refuses_a_huge_message():
    with pytest.raises(InboundError, match="larger than"):
        parse_inbound(b"Subject: x\r\n\r\n" + b"a" * (5 * 1024 * 1024 + 1))


def test_it_survives_malformed_mime(db):
    raw = (
        b"From: MAILER-DAEMON@example.net\r\nSubject: Undelivered Mail\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="x"\r\n\r\n'
        b"--x\r\nContent-Type: message/delivery-status\r\n\r\nAction\r\n\r\nFinal-Recipient: ;;;\r\n"
        b"--y\r\nno closing boundary \xff\xfe"
    )

    report = read_inbound(parse_inbound(raw))

    assert report.kind in ("bounce", "not_a_bounce")
    assert report.message is None
