"""Reading the bounce mailbox over IMAP, against a real (tiny, in-process) IMAP server: unseen
messages are recorded and marked seen, and one bad message never blocks the others."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from leadline.core.scheduler import PERIODIC
from leadline.mail import inbound
from leadline.mail.bounce_jobs import bounce_mailbox_poll
from leadline.mail.inbound import imap_config, poll_bounce_mailbox
from leadline.mail.models import Suppression, Unsubscribe
from tests.mail.bounces.conftest import sample
from tests.mail.bounces.factories import sent_message
from tests.mail.bounces.imap_server import ImapServer

SEEN = "\\Seen"
FLAGGED = "\\Flagged"


@pytest.fixture
def imap(settings: Any) -> Iterator[ImapServer]:
    server = ImapServer(username="bounces@northwind.example", password="p@ss word", folder="Bounces").start()
    settings.LEADLINE_BOUNCE_IMAP_URL = (
        f"imap://bounces%40northwind.example:p%40ss%20word@127.0.0.1:{server.port}/Bounces"
    )
    yield server
    server.stop()


def test_it_reads_unseen_bounces_and_marks_them_seen(imap, message):
    other = sent_message(to_email="sam@example.net")
    hard = imap.add(sample("postfix_user_unknown", message))
    complaint = imap.add(sample("arf_complaint", other))
    old = imap.add(sample("exim_plain_text", sent_message(to_email="old@example.org")), SEEN)

    result = poll_bounce_mailbox()

    assert result is not None
    assert result.read == 2
    assert dict(result.results) == {"hard_bounce": 1, "complaint": 1}
    assert set(Suppression.objects.values_list("email", flat=True)) == {"jane@example.org", "sam@example.net"}
    assert SEEN in hard.flags and SEEN in complaint.flags
    assert old.flags == {SEEN}


def test_a_second_poll_reads_nothing_new(imap, message):
    imap.add(sample("postfix_user_unknown", message))
    poll_bounce_mailbox()

    again = poll_bounce_mailbox()

    assert again is not None and again.read == 0


def test_it_reads_mailto_unsubscribes_and_passes_over_vacation_replies(imap, message):
    imap.add(sample("mailto_unsubscribe", message))
    vacation = imap.add(sample("vacation_reply", message))

    result = poll_bounce_mailbox()

    assert result is not None
    assert dict(result.results) == {"unsubscribe": 1, "auto_reply": 1}
    assert Unsubscribe.objects.filter(contact=message.contact, source="mailto").exists()
    assert SEEN in vacation.flags


def test_an_unreadable_message_is_marked_seen_and_the_rest_is_read(imap, message):
    garbage = imap.add(b"\x00\x01 this is not an email at all")
    good = imap.add(sample("postfix_user_unknown", message))

    result = poll_bounce_mailbox()

    assert result is not None
    assert result.unreadable == 1
    assert SEEN in garbage.flags and SEEN in good.flags
    assert Suppression.objects.filter(email="jane@example.org").exists()


def test_a_message_that_fails_is_flagged_for_a_person_and_skipped_later(imap, message, monkeypatch):
    real = inbound.inbound_process

    def fails_on_complaints(raw: bytes, **kwargs: Any) -> Any:
        if b"feedback-report" in raw:
            raise RuntimeError("boom")
        return real(raw, **kwargs)

    monkeypatch.setattr(inbound, "inbound_process", fails_on_complaints)
    failing = imap.add(sample("arf_complaint", sent_message(to_email="sam@example.net")))
    good = imap.add(sample("postfix_user_unknown", message))

    result = poll_bounce_mailbox()

    assert result is not None and result.failed == 1
    assert failing.flags == {FLAGGED}
    assert SEEN in good.flags
    assert poll_bounce_mailbox().read == 0  # type: ignore[union-attr]


def test_the_periodic_poll_survives_a_refused_login(imap, settings, message):
    settings.LEADLINE_BOUNCE_IMAP_URL = f"imap://bounces:wrong@127.0.0.1:{imap.port}/Bounces"
    imap.add(sample("postfix_user_unknown", message))

    assert bounce_mailbox_poll() is None
    assert not Suppression.objects.exists()


def test_the_periodic_poll_survives_a_server_that_is_down(settings, db):
    settings.LEADLINE_BOUNCE_IMAP_URL = "imap://user:pass@127.0.0.1:1/INBOX"

    assert bounce_mailbox_poll() is None


def test_the_periodic_poll_reads_the_mailbox(imap, message):
    imap.add(sample("postfix_user_unknown", message))

    result = bounce_mailbox_poll()

    assert result is not None and result.read == 1
    assert "leadline.mail.bounce_jobs.bounce_mailbox_poll" in PERIODIC


def test_nothing_is_polled_without_a_mailbox(settings, db):
    settings.LEADLINE_BOUNCE_IMAP_URL = ""

    assert bounce_mailbox_poll() is None


def test_it_reads_the_mailbox_url():
    config = imap_config("imaps://bounce%40northwind.example:p%2Fss@imap.example.net/Bounces%2FDSN")

    assert config is not None
    assert (config.host, config.port, config.use_ssl) == ("imap.example.net", 993, True)
    assert (config.username, config.password, config.folder) == (
        "bounce@northwind.example",
        "p/ss",
        "Bounces/DSN",
    )
    plain = imap_config("imap://u:p@localhost")
    assert plain is not None and (plain.port, plain.folder, plain.use_ssl) == (143, "INBOX", False)
    assert plain.processed_folder == ""
    moving = imap_config("imaps://u:p@imap.example.net/INBOX?processed=Bounces%2FDone")
    assert moving is not None and moving.processed_folder == "Bounces/Done"


def test_it_moves_read_messages_to_the_processed_folder(imap, settings, message):
    settings.LEADLINE_BOUNCE_IMAP_URL += "?processed=Done"
    read = imap.add(sample("postfix_user_unknown", message))
    garbage = imap.add(b"\x00 not an email")

    result = poll_bounce_mailbox()

    assert result is not None and result.read == 2
    assert imap.messages == []
    assert imap.moved["Done"] == [read, garbage]
    assert Suppression.objects.filter(email="jane@example.org").exists()
