"""The crash test: a real sender process is killed (SIGKILL) by the mail server the moment a message
arrives, before the server says it took it. A new sender finishes the job: every row is sent, and
the server receives every Message-ID exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from leadline.contacts.models import Contact
from leadline.mail.models import OutboundMessage
from tests.mail.factories import SenderIdentityFactory
from tests.mail.sending.factories import queue_campaign, rows_of

ROWS = 12
KILLED_AT = 4  # the fourth message of a batch of ten
State = OutboundMessage.State


def _database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            pytest.skip("The sender process needs a database file (LEADLINE_TEST_FILE_DB=1).")
        return f"sqlite:///{Path(database['NAME']).resolve()}"
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"])
    return f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"


def _sender_process(smtp_server, log: Path) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "LEADLINE_TESTING": "1",
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
        "LEADLINE_SEND_RATE": "0",
        "LEADLINE_BASE_URL": settings.BASE_URL,
    }
    command = [
        sys.executable, "-m", "leadline.cli", "manage", "send_outbox",
        "--batch-size", "10", "--lease-seconds", "2", "--poll-seconds", "0.2",
    ]  # fmt: skip
    with log.open("ab") as output:
        return subprocess.Popen(
            command, env=environment, cwd=settings.BASE_DIR.parent, stdout=output, stderr=subprocess.STDOUT
        )


def _wait_until(condition, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_mid_batch_loses_nothing_and_sends_nothing_twice(smtp_server, tmp_path):
    contacts = Contact.objects.bulk_create(
        Contact(email=f"reader{number}@example.org", first_name=f"Reader{number}") for number in range(ROWS)
    )
    campaign = queue_campaign(contacts, sender=SenderIdentityFactory())
    log = tmp_path / "sender.log"

    first = _sender_process(smtp_server, log)
    try:
        smtp_server.interrupt_at(KILLED_AT, lambda: os.kill(first.pid, signal.SIGKILL))
        first.wait(timeout=90)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL, log.read_text()

    rows = rows_of(campaign)
    assert [row.state for row in rows[: KILLED_AT - 1]] == [State.SENT] * (KILLED_AT - 1)
    killed = rows[KILLED_AT - 1]
    assert killed.state == State.SENDING  # the worker died holding it
    assert killed.message_id not in smtp_server.message_ids
    assert len(smtp_server.messages) == KILLED_AT - 1

    second = _sender_process(smtp_server, log)
    try:
        finished = _wait_until(
            lambda: not OutboundMessage.objects.filter(campaign=campaign).exclude(state=State.SENT).exists()
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert finished, log.read_text()

    rows = rows_of(campaign)
    assert Counter(smtp_server.message_ids) == Counter({row.message_id: 1 for row in rows})
    assert {row.state for row in rows} == {State.SENT}
    killed.refresh_from_db()
    assert killed.attempts == 2
    assert smtp_server.received == ROWS + 1  # the message the crash interrupted, then each once
