"""The notifications page, the bell's unread count, opening and marking notifications read."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from leadline.core.models import Notification
from leadline.core.notifications import notify
from tests.conftest import client_for

HOSTILE = "<img src=x onerror=alert(1)>"


def _note(user, title="New lead for you: Ada", url="/handoff/", **fields):
    return Notification.objects.create(user=user, kind="handoff.routed", title=title, url=url, **fields)


def test_it_lists_my_notifications_newest_first(sam, tess):
    _note(sam, title="First")
    _note(sam, title="Second", body="Accept it by Tuesday.")
    _note(tess, title="Not for sam")

    body = client_for(sam).get(reverse("core:notifications")).content.decode()

    assert body.index("Second") < body.index("First")
    assert "Accept it by Tuesday." in body
    assert "Not for sam" not in body


def test_it_filters_to_unread(sam):
    _note(sam, title="Seen already", read_at=timezone.now())
    _note(sam, title="Still new")

    body = client_for(sam).get(reverse("core:notifications"), {"show": "unread"}).content.decode()

    assert "Still new" in body and "Seen already" not in body


def test_it_shows_empty_states(sam):
    client = client_for(sam)

    assert "No notifications yet" in client.get(reverse("core:notifications")).content.decode()
    unread = client.get(reverse("core:notifications"), {"show": "unread"}).content.decode()
    assert "all caught up" in unread


def test_it_pages_long_lists_in_a_constant_number_of_queries(sam, django_assert_max_num_queries):
    Notification.objects.bulk_create(
        [Notification(user=sam, kind="task.due", title=f"Task {number}") for number in range(60)]
    )
    client = client_for(sam)

    with django_assert_max_num_queries(6):
        first = client.get(reverse("core:notifications"))
    second = client.get(reverse("core:notifications"), {"page": 2})

    assert "1–50 of 60" in first.content.decode()
    assert "51–60 of 60" in second.content.decode()


def test_opening_a_notification_marks_it_read_and_follows_its_link(sam):
    notification = _note(sam, url="/handoff/?focus=1")

    response = client_for(sam).get(reverse("core:notification_open", args=[notification.public_id]))

    assert response.status_code == 302
    assert response["Location"] == "/handoff/?focus=1"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_it_never_sends_people_to_another_site(sam):
    for url in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""):
        notification = _note(sam, url=url)

        response = client_for(sam).get(reverse("core:notification_open", args=[notification.public_id]))

        assert response["Location"] == reverse("core:notifications"), url


def test_it_marks_one_read(sam):
    notification = _note(sam)
    other = _note(sam, title="Other")

    response = client_for(sam).post(
        reverse("core:notification_read", args=[notification.public_id]),
        {"next": "/notifications/?show=unread"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/notifications/?show=unread"
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None and other.read_at is None


def test_it_ignores_a_next_that_leaves_the_site(sam):
    notification = _note(sam)

    response = client_for(sam).post(
        reverse("core:notification_read", args=[notification.public_id]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("core:notifications")


def test_it_marks_all_read(sam, tess):
    for number in range(3):
        _note(sam, title=f"Lead {number}")
    theirs = _note(tess)

    response = client_for(sam).post(reverse("core:notifications_read_all"), follow=True)

    assert "Marked 3 notifications as read." in response.content.decode()
    assert not Notification.objects.filter(user=sam, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_nobody_opens_or_marks_someone_elses_notification(sam, tess, alice):
    notification = _note(tess)

    for user in (sam, alice):
        client = client_for(user)
        assert client.get(reverse("core:notification_open", args=[notification.public_id])).status_code == 404
        assert (
            client.post(reverse("core:notification_read", args=[notification.public_id])).status_code == 404
        )
    notification.refresh_from_db()
    assert notification.read_at is None


def test_an_id_that_is_not_a_uuid_is_a_404(sam):
    for bad in ("not-a-uuid", "1", "'; DROP TABLE x; --"):
        assert client_for(sam).get(f"/notifications/{bad}/").status_code == 404


def test_marking_read_needs_a_post(sam):
    notification = _note(sam)

    assert (
        client_for(sam).get(reverse("core:notification_read", args=[notification.public_id])).status_code
        == 405
    )
    assert client_for(sam).get(reverse("core:notifications_read_all")).status_code == 405


def test_it_escapes_hostile_text(sam):
    _note(sam, title=HOSTILE)
    notify(user=sam, kind="x", title="Ok", body=HOSTILE)

    body = client_for(sam).get(reverse("core:notifications")).content.decode()

    assert HOSTILE not in body and "&lt;img src=x" in body


def test_the_badge_counts_unread_notifications(sam):
    for _ in range(3):
        _note(sam)
    _note(sam, read_at=timezone.now())

    body = client_for(sam).get(reverse("core:notifications_badge")).content.decode()

    assert 'data-unread="3"' in body
    assert '3<span class="sr-only"> unread</span>' in body


def test_the_badge_caps_large_counts_and_hides_when_empty(sam):
    Notification.objects.bulk_create([Notification(user=sam, kind="x", title="x") for _ in range(120)])
    client = client_for(sam)

    assert "99+" in client.get(reverse("core:notifications_badge")).content.decode()
    Notification.objects.update(read_at=timezone.now())
    empty = client.get(reverse("core:notifications_badge")).content.decode()
    assert 'data-unread="0"' in empty and "hidden" in empty


def test_the_badge_answers_nothing_once_signed_out(client):
    response = client.get(reverse("core:notifications_badge"))

    assert response.status_code == 204


def test_every_page_has_the_bell_without_paying_a_query_for_it(sam, django_assert_max_num_queries):
    client = client_for(sam)
    client.get(reverse("core:notifications"))  # warm up the session
    _note(sam)
    with django_assert_max_num_queries(20) as captured:
        body = client.get(reverse("accounts:profile")).content.decode()

    assert 'hx-get="/notifications/unread/"' in body
    assert not any("core_notification" in query["sql"] for query in captured.captured_queries)
