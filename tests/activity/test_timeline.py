"""The unified timeline: order, cursor pagination ("load more"), kind filters, readable entries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.activity.models import Kind
from leadline.activity.services import activity_record
from leadline.contacts.models import LifecycleStage
from leadline.contacts.services import contact_merge, contact_update
from tests.activity.html import live_scripts
from tests.conftest import client_for
from tests.factories import ActivityFactory, ContactFactory, CustomPropertyFactory, UserFactory

HOSTILE = "<script>alert(1)</script>"


def timeline_url(contact) -> str:
    return f"/contacts/{contact.public_id}/timeline/"


def titles(response) -> list[str]:
    return [item.title for item in response.context["items"]]


@pytest.fixture
def contact(db):
    return ContactFactory(first_name="Ada", last_name="Lovelace")


def test_it_lists_entries_newest_first(alice, contact):
    now = timezone.now()
    ActivityFactory(contact=contact, title="middle", occurred_at=now - timedelta(hours=2))
    ActivityFactory(contact=contact, title="newest", occurred_at=now)
    ActivityFactory(contact=contact, title="oldest", occurred_at=now - timedelta(days=3))
    assert titles(client_for(alice).get(timeline_url(contact))) == ["newest", "middle", "oldest"]


def test_entries_at_the_same_instant_keep_a_stable_order(alice, contact):
    moment = timezone.now()
    for index in range(3):
        ActivityFactory(contact=contact, title=f"same-{index}", occurred_at=moment)
    assert titles(client_for(alice).get(timeline_url(contact))) == ["same-2", "same-1", "same-0"]


def test_it_pages_with_load_more_without_gaps_or_repeats(alice, contact):
    moment = timezone.now()
    for index in range(60):
        # Pairs share an instant so the cursor must break ties by row.
        ActivityFactory(
            contact=contact, title=f"entry-{index:02d}", occurred_at=moment - timedelta(minutes=index // 2)
        )
    client = client_for(alice)
    seen: list[str] = []
    response = client.get(timeline_url(contact))
    assert 'id="timeline"' in response.content.decode()
    while True:
        seen.extend(titles(response))
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
        assert "Load older activity" in response.content.decode()
        response = client.get(timeline_url(contact), {"before": cursor}, HTTP_HX_REQUEST="true")
        assert "<section" not in response.content.decode()
    expected = sorted(
        (f"entry-{index:02d}" for index in range(60)), key=lambda t: (int(t[-2:]) // 2, -int(t[-2:]))
    )
    assert seen == expected
    assert len(set(seen)) == 60


def test_new_entries_do_not_shift_the_next_page(alice, contact):
    moment = timezone.now()
    for index in range(30):
        ActivityFactory(
            contact=contact, title=f"entry-{index:02d}", occurred_at=moment - timedelta(minutes=index)
        )
    client = client_for(alice)
    first = client.get(timeline_url(contact))
    ActivityFactory(contact=contact, title="brand new", occurred_at=timezone.now())
    second = client.get(timeline_url(contact), {"before": first.context["page"].next_cursor})
    assert titles(second) == [f"entry-{index:02d}" for index in range(25, 30)]


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "2024-01-01_not-a-uuid", "2024-01-01T00:00:00_00000000-0000-0000-0000-000000000000", "_"],
)
def test_a_bad_cursor_is_a_400(alice, contact, cursor):
    assert client_for(alice).get(timeline_url(contact), {"before": cursor}).status_code == 400


@pytest.mark.parametrize(
    ("kind_filter", "expected"),
    [
        ("all", {"note", "email", "visit", "stage", "form"}),
        ("notes", {"note"}),
        ("emails", {"email"}),
        ("web", {"visit", "form"}),
        ("stages", {"stage"}),
        ("nonsense", {"note", "email", "visit", "stage", "form"}),
    ],
)
def test_it_filters_by_kind(alice, contact, kind_filter, expected):
    ActivityFactory(contact=contact, kind=Kind.NOTE, title="note")
    ActivityFactory(contact=contact, kind=Kind.EMAIL_OPENED, title="email")
    ActivityFactory(contact=contact, kind=Kind.PAGE_VIEW, title="visit")
    ActivityFactory(contact=contact, kind=Kind.FORM_SUBMITTED, title="form")
    ActivityFactory(
        contact=contact, kind=Kind.STAGE_CHANGED, title="stage", data={"from": "lead", "to": "mql"}
    )
    response = client_for(alice).get(timeline_url(contact), {"kind": kind_filter})
    assert set(titles(response)) == expected


def test_the_contact_page_honours_the_kind_filter_without_javascript(alice, contact):
    ActivityFactory(contact=contact, kind=Kind.NOTE, data={"body": "a note body"})
    ActivityFactory(contact=contact, kind=Kind.PAGE_VIEW, title="Pricing")
    body = client_for(alice).get(f"/contacts/{contact.public_id}/", {"kind": "web"}).content.decode()
    assert "Viewed Pricing" in body and "a note body" not in body


def test_it_shows_an_empty_state(alice, contact):
    body = client_for(alice).get(timeline_url(contact), {"kind": "emails"}).content.decode()
    assert "Nothing of this kind yet" in body


@pytest.mark.parametrize(
    ("persona", "status"), [("alice", 200), ("maria", 200), ("sam", 200), ("tess", 200), ("oscar", 404)]
)
def test_only_people_who_see_the_contact_see_its_timeline(personas, persona, status):
    contact = ContactFactory(owner=personas["sam"])
    ActivityFactory(contact=contact)
    assert client_for(personas[persona]).get(timeline_url(contact)).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, contact):
    assert client.get(timeline_url(contact)).status_code == 302


def test_property_changes_read_as_old_to_new(alice, contact):
    CustomPropertyFactory(key="plan", label="Plan", type="choice", choices=["Starter", "Scale"])
    contact_update(contact=contact, actor=alice, data={"city": "Paris"})
    contact_update(contact=contact, actor=alice, data={"city": "London", "properties": {"plan": "Scale"}})
    body = client_for(alice).get(timeline_url(contact)).content.decode()
    assert "Changed 2 properties" in body
    assert '<span class="change-field">City</span> <span class="change-old">Paris</span>' in body
    assert '<span class="change-new">London</span>' in body
    assert '<span class="change-field">Plan</span> <span class="change-old">—</span>' in body
    assert "by Alice Admin" in body


def test_stage_changes_read_from_and_to(alice, contact):
    contact_update(contact=contact, actor=alice, data={"lifecycle_stage": LifecycleStage.SQL})
    body = client_for(alice).get(timeline_url(contact), {"kind": "stages"}).content.decode()
    assert "Lifecycle stage changed from" in body
    assert (
        '<span class="badge badge-lead">Lead</span> to <span class="badge badge-sql">Sales qualified lead</span>'
        in body
    )


def test_a_merge_names_who_was_merged(alice, contact):
    duplicate = ContactFactory(first_name="Ada", last_name="L.", email="ada@old.test", phone="+441632960961")
    contact_merge(primary=contact, duplicate=duplicate, actor=alice)
    body = client_for(alice).get(timeline_url(contact)).content.decode()
    assert "Merged Ada L. &lt;ada@old.test&gt; into this contact" in body
    assert "Filled in from the merged record: phone" in body


def test_unknown_kinds_still_show_their_title(alice, contact):
    activity_record(kind="webinar.attended", contact=contact, title="Attended the spring webinar")
    body = client_for(alice).get(timeline_url(contact)).content.decode()
    assert "Attended the spring webinar" in body


def test_an_unknown_kind_without_title_shows_the_kind(alice, contact):
    activity_record(kind="webinar.attended", contact=contact)
    assert "webinar.attended" in client_for(alice).get(timeline_url(contact)).content.decode()


def test_only_web_addresses_become_links(alice, contact):
    ActivityFactory(contact=contact, kind=Kind.PAGE_VIEW, title="Home", url="javascript:alert(1)")
    ActivityFactory(contact=contact, kind=Kind.PAGE_VIEW, title="Pricing", url="https://example.com/pricing")
    body = client_for(alice).get(timeline_url(contact)).content.decode()
    assert 'href="https://example.com/pricing"' in body
    assert live_scripts(body) == []


def test_hostile_titles_and_data_are_escaped(alice, contact):
    ActivityFactory(contact=contact, kind=Kind.FORM_SUBMITTED, title=HOSTILE)
    ActivityFactory(
        contact=contact,
        kind=Kind.CONTACT_UPDATED,
        title=HOSTILE,
        data={"changes": {HOSTILE: [HOSTILE, HOSTILE]}},
    )
    ActivityFactory(
        contact=contact, kind=Kind.STAGE_CHANGED, data={"from": HOSTILE, "to": '"><script>x</script>'}
    )
    ActivityFactory(
        contact=contact, kind=Kind.CONTACT_MERGED, data={"merged": {"email": HOSTILE}, "filled": [HOSTILE]}
    )
    ActivityFactory(contact=contact, kind="custom.thing", title=HOSTILE)
    body = client_for(alice).get(timeline_url(contact)).content.decode()
    assert HOSTILE not in body
    assert live_scripts(body) == []


def test_malformed_activity_data_does_not_break_the_page(alice, contact):
    ActivityFactory(contact=contact, kind=Kind.CONTACT_UPDATED, data={"changes": "not a dict"})
    ActivityFactory(contact=contact, kind=Kind.CONTACT_UPDATED, data={"changes": {"city": "no pair"}})
    ActivityFactory(contact=contact, kind=Kind.CONTACT_MERGED, data={"merged": "x", "filled": "y"})
    ActivityFactory(contact=contact, kind=Kind.NOTE, data={"body": ["not", "text"]})
    ActivityFactory(contact=contact, kind=Kind.NOTE, data={})
    assert client_for(alice).get(timeline_url(contact)).status_code == 200
    assert client_for(alice).get(f"/contacts/{contact.public_id}/").status_code == 200


def test_entries_of_departed_users_still_render(alice, contact):
    former = UserFactory(first_name="Former", last_name="Colleague")
    ActivityFactory(contact=contact, actor=former, data={"body": "Left a note"})
    former.delete()
    body = client_for(alice).get(timeline_url(contact)).content.decode()
    assert "Left a note" in body
