"""Two visitors taking the same person's time at the same instant: one gets the meeting, the other a
clear "just booked" — never two meetings, never a 500.

These need a database that makes concurrent writers wait: the default SQLite test file or
PostgreSQL. An in-memory test database (`LEADLINE_TEST_FILE_DB=0`) skips them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from leadline.sales import meeting_services
from leadline.sales.models import Meeting, MeetingState
from tests.sales.meeting_support import TUESDAY_10AM, availability_for, book, meeting_type_for


def _needs_a_shared_database() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Shared-cache in-memory SQLite answers concurrent writers with "table is locked" instead of
        # waiting; the file database Leadline runs on (and PostgreSQL) make them wait.
        pytest.skip("needs a file or PostgreSQL test database, not LEADLINE_TEST_FILE_DB=0")


def _together(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run the calls in threads released at the same moment; each result or exception in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with time_machine.travel(TUESDAY_10AM, tick=False):
                barrier.wait(timeout=20)
                results[index] = calls[index]()
        except ValidationError as refusal:
            results[index] = refusal
        except BaseException as error:  # surfaced by the test; a thread must not swallow it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


@pytest.fixture
def both_past_the_first_check(monkeypatch):
    """Hold every booking after its check outside the lock until all of them got there, so that each
    one has seen the time free and only the check under the lock can tell them apart."""
    original = meeting_services._book_with
    gate = threading.Barrier(2)

    def gated(**kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            gate.wait(timeout=20)
        return original(**kwargs)

    monkeypatch.setattr(meeting_services, "_book_with", gated)


def _refusals(results: list[Any]) -> list[str]:
    return [
        " ".join(result.message_dict["start"]) for result in results if isinstance(result, ValidationError)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_visitors_taking_the_same_time_make_one_meeting(sam, both_past_the_first_check):
    _needs_a_shared_database()
    with time_machine.travel(TUESDAY_10AM, tick=False):
        availability_for(sam)
        meeting_type = meeting_type_for(sam)

    results, errors = _together(
        [
            lambda: book(meeting_type, start="2026-11-25T14:00:00Z", email="ada@example.org"),
            lambda: book(meeting_type, start="2026-11-25T14:00:00Z", email="grace@example.org"),
        ]
    )

    assert not errors
    assert Meeting.objects.filter(state=MeetingState.CONFIRMED).count() == 1
    assert len([result for result in results if isinstance(result, Meeting)]) == 1
    assert ["just booked" in message for message in _refusals(results)] == [True]


@pytest.mark.django_db(transaction=True)
def test_two_visitors_taking_overlapping_times_of_different_lengths_make_one_meeting(
    sam, both_past_the_first_check
):
    """Different start times: the unique constraint cannot help, only the lock and the check under it."""
    _needs_a_shared_database()
    with time_machine.travel(TUESDAY_10AM, tick=False):
        availability_for(sam)
        long_call = meeting_type_for(sam, slug="long", duration_minutes=90)
        short_call = meeting_type_for(sam, slug="short", duration_minutes=30)

    results, errors = _together(
        [
            lambda: book(long_call, start="2026-11-25T13:00:00Z", email="ada@example.org"),
            lambda: book(short_call, start="2026-11-25T14:00:00Z", email="grace@example.org"),
        ]
    )

    assert not errors
    meetings = list(Meeting.objects.filter(state=MeetingState.CONFIRMED))
    assert len(meetings) == 1
    assert len(_refusals(results)) == 1


@pytest.mark.django_db(transaction=True)
def test_many_visitors_posting_the_same_time_at_once_get_one_meeting_and_clear_answers(sam):
    _needs_a_shared_database()
    with time_machine.travel(TUESDAY_10AM, tick=False):
        availability_for(sam)
        meeting_type = meeting_type_for(sam)

    def post(index: int) -> Callable[[], int]:
        def send() -> int:
            data = {
                "start": "2026-11-25T14:00:00Z",
                "name": f"Guest {index}",
                "email": f"guest{index}@example.org",
                "time_zone": "Europe/Paris",
            }
            return Client().post(f"/meet/{meeting_type.slug}", data).status_code

        return send

    statuses, errors = _together([post(index) for index in range(6)])

    assert not errors
    assert sorted(statuses) == [303] + [400] * 5
    assert Meeting.objects.count() == 1
    assert Meeting.objects.get().starts_at == TUESDAY_10AM + timedelta(days=1, hours=4)
