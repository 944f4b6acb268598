"""Two senders claiming at the same moment never take the same row (SQLite file or PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from leadline.contacts.models import Contact
from leadline.mail.sending import outbox_claim
from tests.mail.factories import SenderIdentityFactory
from tests.mail.sending.factories import queue_campaign, rows_of

ROWS = 240


@pytest.mark.django_db(transaction=True)
def test_two_claimers_at_once_never_share_a_row():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("Needs a database file that two connections can open (LEADLINE_TEST_FILE_DB=1).")
    contacts = Contact.objects.bulk_create(
        Contact(email=f"reader{number}@example.org", first_name="Reader") for number in range(ROWS)
    )
    campaign = queue_campaign(contacts, sender=SenderIdentityFactory())
    start = threading.Barrier(2)
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    problems: list[BaseException] = []

    def claimer(name: str) -> None:
        try:
            start.wait()
            number = 0
            while rows := outbox_claim(owner=f"{name}/{number}", limit=9):
                claimed[name].extend(row.pk for row in rows)
                number += 1
        except BaseException as error:  # reported by the test, not lost in the thread
            problems.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert problems == []
    assert not set(claimed["a"]) & set(claimed["b"])
    assert sorted(claimed["a"] + claimed["b"]) == sorted(row.pk for row in rows_of(campaign))
    assert len(claimed["a"]) + len(claimed["b"]) == ROWS
