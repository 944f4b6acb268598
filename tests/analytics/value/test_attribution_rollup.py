"""Attribution reads the visits from the touchpoint rollup: whether the worker has folded every page
view, some of them or none, and after a rebuild, every model hands out the same credit as when
the visits are read from the raw page views."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine

from leadline.activity.models import Activity, Cursor, Kind
from leadline.analytics import paths
from leadline.analytics.attribution import attribution_table
from leadline.analytics.models import ContactTouch, TouchChunk
from leadline.analytics.paths import paths_read
from leadline.analytics.rollups import ROLLUP_CURSOR, epoch_us, rollups_rebuild, rollups_update
from leadline.contacts.models import Contact
from leadline.contacts.services import contact_merge
from tests.analytics.value.factories import campaign_named, marketing_email, order_at, visit
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db
MARCH = {"start": date(2026, 3, 1), "end": date(2026, 3, 31)}
CHANNELS = [
    ("google", "cpc", "spring"),
    ("google", "organic", ""),
    ("newsletter", "email", "digest"),
    ("", "", ""),
]


@pytest.fixture(autouse=True)
def end_of_march():
    with time_machine.travel(datetime(2026, 3, 31, 12, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def page_view(contact: Any, session: uuid.UUID | None, at: datetime, channel: tuple[str, str, str]) -> None:
    source, medium, campaign = channel
    Activity.objects.create(
        kind=Kind.PAGE_VIEW,
        occurred_at=at,
        contact=contact,
        session_id=session,
        visitor_id=uuid.uuid4(),
        url="https://www.example.com/",
        source=source,
        medium=medium,
        campaign=campaign,
    )


def journeys(seed: int, people: int = 12) -> list[Any]:
    """Contacts with visits over February and March (some starting before the look-back window
    and running into it, some logged out of order, some without a session), orders and emails."""
    rng = random.Random(seed)
    news = campaign_named("March news")
    contacts = []
    for number in range(people):
        contact = ContactFactory()
        contacts.append(contact)
        moment = datetime(2026, 1, 25, 8, tzinfo=UTC) + timedelta(minutes=97 * number)
        for _ in range(rng.randrange(1, 6)):
            moment += timedelta(days=rng.randrange(1, 12), minutes=rng.randrange(1, 600))
            visit(
                contact,
                moment,
                source="google",
                medium=rng.choice(["cpc", "organic"]),
                pages=rng.randrange(1, 4),
            )
        # A visit that begins the day before the 30-day look-back window of a March 1 conversion
        # and goes on past midnight into it, logged out of order.
        session = uuid.uuid4()
        edge = datetime(2026, 1, 29, 23, 50, tzinfo=UTC) + timedelta(seconds=number)
        page_view(contact, session, edge + timedelta(minutes=20), CHANNELS[number % 4])
        page_view(contact, session, edge, CHANNELS[(number + 1) % 4])
        page_view(contact, session, edge + timedelta(minutes=5), CHANNELS[(number + 2) % 4])
        if number % 3 == 0:
            page_view(
                contact, None, datetime(2026, 3, 3, 9, tzinfo=UTC) + timedelta(minutes=number), CHANNELS[1]
            )
        if number % 2 == 0:
            marketing_email(contact, datetime(2026, 3, 4, 9, tzinfo=UTC) + timedelta(minutes=number), news)
        if number % 4 != 3:
            order_at(
                contact,
                datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(days=number, hours=number % 5),
                "90.00",
            )
    return contacts


def tables() -> dict[str, Any]:
    return {
        f"{by}-{lookback}": attribution_table(conversion="order", by=by, lookback_days=lookback, **MARCH)
        for by in ("channel", "campaign")
        for lookback in (30, 90)
    }


def from_raw_rows() -> dict[str, Any]:
    """The tables with every page view read raw (as before the worker ever ran)."""
    saved = list(Cursor.objects.filter(name=ROLLUP_CURSOR).values_list("position", flat=True))
    Cursor.objects.filter(name=ROLLUP_CURSOR).delete()
    try:
        return tables()
    finally:
        if saved:
            Cursor.objects.create(name=ROLLUP_CURSOR, position=saved[0])


def touch_rows() -> list[tuple[Any, ...]]:
    return sorted(
        ContactTouch.objects.values_list(
            "contact_id",
            "session_id",
            "first_us",
            "first_activity_id",
            "last_us",
            "origin__source",
            "origin__medium",
            "origin__campaign",
        ),
        key=repr,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_it_credits_the_same_from_the_rollup_as_from_the_raw_page_views(seed: int) -> None:
    journeys(seed)
    expected = from_raw_rows()
    assert expected["channel-90"].conversions > 0

    rollups_update(batch_size=5)  # visits folded a few page views at a time
    window_start = epoch_us(datetime(2026, 1, 30, tzinfo=UTC))
    assert ContactTouch.objects.filter(first_us__lt=window_start, last_us__gte=window_start).exists()
    assert tables() == expected
    incremental = touch_rows()

    rollups_rebuild()
    assert touch_rows() == incremental
    assert tables() == expected


def test_it_counts_page_views_the_worker_has_not_folded_yet() -> None:
    contacts = journeys(3, people=6)
    rollups_rebuild()
    # New visits after the fold, one of them earlier than a visit already folded.
    visit(contacts[0], datetime(2026, 2, 28, 7, tzinfo=UTC), source="linkedin", medium="social", pages=2)
    page_view(contacts[1], None, datetime(2026, 2, 27, 7, tzinfo=UTC), ("bing", "cpc", "winter"))
    expected = from_raw_rows()
    assert tables() == expected
    assert "linkedin / social" in {row.key for row in expected["channel-90"].rows}

    rollups_update()
    assert tables() == expected
    folded = touch_rows()
    rollups_rebuild()
    assert touch_rows() == folded


def test_it_moves_the_visits_of_a_merged_contact(django_user_model: Any) -> None:
    primary, duplicate, *_ = journeys(4, people=4)
    rollups_rebuild()
    contact_merge(primary=primary, duplicate=duplicate, actor=None)
    rollups_update()
    merged = touch_rows()
    assert not ContactTouch.objects.filter(contact_id=duplicate.pk).exists()
    assert tables() == from_raw_rows()
    rollups_rebuild()
    assert touch_rows() == merged


def packed_rows() -> list[tuple[int, int, int]]:
    touches, _straddling = paths_read(0, 2**62)
    return list(zip(touches.contacts.tolist(), touches.us.tolist(), touches.origins.tolist(), strict=True))


def visit_rows() -> list[tuple[int, int, int]]:
    return list(
        ContactTouch.objects.order_by("contact_id", "first_us", "first_activity_id").values_list(
            "contact_id", "first_us", "origin_id"
        )
    )


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of three contacts, so that a dozen contacts span several packed chunks."""
    monkeypatch.setattr(paths, "CHUNK_SIZE", 3)


@pytest.mark.usefixtures("small_chunks")
def test_the_packed_visits_follow_the_visit_rows_through_folds_and_rebuilds() -> None:
    contacts = journeys(5)
    rollups_update(batch_size=7)
    assert TouchChunk.objects.count() > 1
    assert packed_rows() == visit_rows()
    # Contact 10 orders on March 11.
    visit(contacts[10], datetime(2026, 3, 2, 9, tzinfo=UTC), source="linkedin", medium="social", pages=2)
    rollups_update()
    assert packed_rows() == visit_rows()
    assert "linkedin / social" in {row.key for row in tables()["channel-90"].rows}
    rollups_rebuild()
    assert packed_rows() == visit_rows()


@pytest.mark.usefixtures("small_chunks")
def test_a_deleted_contact_leaves_the_credit_at_once_and_its_chunk_is_repacked() -> None:
    contacts = journeys(6)
    rollups_rebuild()
    buyer = next(contact for contact in contacts if contact.orders.exists())
    before = tables()["channel-90"]
    buyer.delete()

    assert TouchChunk.objects.filter(dirty=True).count() == 1
    after = tables()
    assert after == from_raw_rows()
    assert after["channel-90"].conversions < before.conversions
    assert buyer.pk not in set(paths_read(0, 2**62)[0].contacts.tolist())

    rollups_update()
    assert not TouchChunk.objects.filter(dirty=True).exists()
    assert packed_rows() == visit_rows()
    assert tables() == after


def test_one_owners_credit_reads_only_their_contacts_visits() -> None:
    contacts = journeys(7)
    owner = UserFactory()
    Contact.objects.filter(pk__in=[contact.pk for contact in contacts[::2]]).update(owner=owner)
    rollups_rebuild()
    mine = attribution_table(conversion="order", owner_id=owner.pk, **MARCH)
    everyone = attribution_table(conversion="order", **MARCH)
    Cursor.objects.filter(name=ROLLUP_CURSOR).delete()
    assert mine == attribution_table(conversion="order", owner_id=owner.pk, **MARCH)
    assert 0 < mine.conversions < everyone.conversions
