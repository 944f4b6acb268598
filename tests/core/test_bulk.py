"""`insert_rows` stores rows exactly as the ORM would, fills defaults, and skips conflicts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from leadline.contacts.models import Contact
from leadline.core.bulk import insert_rows
from leadline.mail.models import OutboundMessage, SenderIdentity
from leadline.mail.outbox import Outgoing, outbox_enqueue, outbox_enqueue_many

pytestmark = pytest.mark.django_db

WHEN = datetime(2031, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


def _fields(message: OutboundMessage) -> dict[str, Any]:
    skip = {"id", "public_id", "created_at", "updated_at", "message_id", "key"}
    return {
        f.attname: getattr(message, f.attname)
        for f in OutboundMessage._meta.concrete_fields
        if f.name not in skip
    }


def test_a_row_reads_back_as_the_orm_would_have_stored_it() -> None:
    contact = Contact.objects.create(email="ana@example.com", first_name="Ana")
    sender = SenderIdentity.objects.create(
        from_name="Shop", from_email="shop@example.com", postal_address="1 Road"
    )
    values = {
        "contact": contact,
        "sender_id": sender.pk,
        "to_email": "ana@example.com",
        "subject": "Grüße — ✓",
        "merge_context": {"discount": 10, "names": ["a", "b"]},
        "not_before": WHEN,
        "attempts": 3,
    }
    assert insert_rows(OutboundMessage, [{**values, "key": "bulk:1", "message_id": "<1@x>"}]) == 1
    OutboundMessage.objects.create(**values, key="orm:1", message_id="<2@x>")

    bulk = OutboundMessage.objects.get(key="bulk:1")
    orm = OutboundMessage.objects.get(key="orm:1")
    assert _fields(bulk) == _fields(orm)
    assert bulk.not_before == WHEN
    assert bulk.merge_context == {"discount": 10, "names": ["a", "b"]}
    assert bulk.contact == contact and bulk.sender == sender


def test_missing_fields_take_the_model_defaults() -> None:
    inserted = insert_rows(
        OutboundMessage,
        (
            {"key": f"k{n}", "to_email": f"p{n}@example.com", "message_id": f"<{n}@x>", "not_before": WHEN}
            for n in range(3)
        ),
    )

    assert inserted == 3
    rows = list(OutboundMessage.objects.order_by("key"))
    assert [row.state for row in rows] == [OutboundMessage.State.QUEUED] * 3
    assert len({row.public_id for row in rows}) == 3  # a callable default is called for each row
    assert all(row.created_at is not None and row.merge_context == {} for row in rows)


def test_conflicting_rows_are_skipped_and_not_counted() -> None:
    row = {"to_email": "a@example.com", "not_before": WHEN}
    insert_rows(OutboundMessage, [{**row, "key": "same", "message_id": "<a@x>"}])

    inserted = insert_rows(
        OutboundMessage,
        [{**row, "key": "same", "message_id": "<b@x>"}, {**row, "key": "other", "message_id": "<c@x>"}],
        ignore_conflicts=True,
    )

    assert inserted == 1
    assert OutboundMessage.objects.get(key="same").message_id == "<a@x>"


def test_a_field_with_no_value_and_no_default_is_refused() -> None:
    with pytest.raises(ValueError, match="not_before"):
        insert_rows(OutboundMessage, [{"key": "k", "to_email": "a@example.com", "message_id": "<m@x>"}])


def test_enqueue_many_leaves_a_queued_key_as_it_was_and_counts_only_new_rows() -> None:
    first = outbox_enqueue(Outgoing(key="campaign:1:a", to_email="A@Example.com ", subject="First"))

    queued = outbox_enqueue_many(
        Outgoing(key=f"campaign:1:{name}", to_email=f"{name}@example.com", subject="Second") for name in "abc"
    )

    assert queued == 2
    again = OutboundMessage.objects.get(key="campaign:1:a")
    assert (again.message_id, again.subject, again.to_email) == (first.message_id, "First", "a@example.com")
    assert OutboundMessage.objects.filter(subject="Second").count() == 2
    assert len(set(OutboundMessage.objects.values_list("message_id", flat=True))) == 3


def test_rows_given_as_values_of_some_columns_take_defaults_for_the_rest() -> None:
    from leadline.core.bulk import insert_values

    inserted = insert_values(
        OutboundMessage,
        ("key", "to_email", "message_id", "not_before", "attempts"),
        [(f"v{n}", f"v{n}@example.com", f"<v{n}@x>", WHEN, n) for n in range(3)],
    )

    assert inserted == 3
    rows = list(OutboundMessage.objects.order_by("key"))
    assert [(row.key, row.attempts, row.not_before) for row in rows] == [(f"v{n}", n, WHEN) for n in range(3)]
    assert [row.state for row in rows] == [OutboundMessage.State.QUEUED] * 3
    assert len({row.public_id for row in rows}) == 3
    assert all(row.merge_context == {} for row in rows)


def test_a_row_given_as_values_that_breaks_a_constraint_fails_its_batch() -> None:
    from django.db import IntegrityError, transaction

    from leadline.core.bulk import insert_values

    columns = ("key", "to_email", "message_id", "not_before")
    insert_values(OutboundMessage, columns, [("same", "a@example.com", "<a@x>", WHEN)])

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_values(
            OutboundMessage,
            columns,
            [("new", "b@example.com", "<b@x>", WHEN), ("same", "c@example.com", "<c@x>", WHEN)],
        )

    assert list(OutboundMessage.objects.values_list("key", flat=True)) == ["same"]


def test_equal_values_of_different_types_are_stored_as_given() -> None:
    rows = [
        {
            "key": f"j{n}",
            "to_email": "a@example.com",
            "message_id": f"<j{n}@x>",
            "not_before": WHEN,
            "merge_context": value,
        }
        for n, value in enumerate([1, True, 1.0, "1"])
    ]

    insert_rows(OutboundMessage, rows)

    stored = [OutboundMessage.objects.get(key=f"j{n}").merge_context for n in range(4)]
    assert [(type(value), value) for value in stored] == [(int, 1), (bool, True), (float, 1.0), (str, "1")]
