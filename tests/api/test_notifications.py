"""The notifications API: my own notifications, newest first, and marking them read."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from leadline.core.models import Notification
from tests.api.client import api_as, error_of


def _note(user, title="New lead for you", **fields):
    return Notification.objects.create(
        user=user, kind="handoff.routed", title=title, url="/handoff/", **fields
    )


def test_it_lists_my_notifications_newest_first(sam, tess):
    older = _note(sam, title="Older")
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    newer = _note(sam, title="Newer", body="Accept it by Tuesday.")
    _note(tess, title="Tess's")

    body = api_as(sam).get("/notifications").json()

    assert [item["title"] for item in body["items"]] == ["Newer", "Older"]
    first = body["items"][0]
    assert first == {
        "id": str(newer.public_id),
        "kind": "handoff.routed",
        "title": "Newer",
        "body": "Accept it by Tuesday.",
        "url": "/handoff/",
        "created_at": first["created_at"],
        "read_at": None,
        "read": False,
    }
    assert body["next_cursor"] is None


def test_it_filters_to_unread_and_pages_with_a_cursor(sam):
    for number in range(5):
        _note(sam, title=f"Lead {number}")
    _note(sam, title="Read", read_at=timezone.now())
    client = api_as(sam)

    first = client.get("/notifications", unread="true", limit=3).json()
    second = client.get("/notifications", unread="true", limit=3, cursor=first["next_cursor"]).json()

    titles = [item["title"] for item in first["items"] + second["items"]]
    assert sorted(titles) == [f"Lead {number}" for number in range(5)]
    assert second["next_cursor"] is None


def test_it_marks_one_read(sam):
    notification = _note(sam)

    response = api_as(sam).post(f"/notifications/{notification.public_id}/read")

    assert response.status_code == 200
    assert response.json()["read"] is True
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_read_twice_keeps_the_first_time(sam):
    first_read = timezone.now() - timedelta(days=1)
    notification = _note(sam, read_at=first_read)

    api_as(sam).post(f"/notifications/{notification.public_id}/read")

    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_it_marks_all_of_mine_read(sam, tess):
    for _ in range(3):
        _note(sam)
    theirs = _note(tess)

    response = api_as(sam).post("/notifications/read-all")

    assert response.json() == {"marked": 3}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_someone_elses_notification_is_not_found(sam, tess, alice):
    notification = _note(tess)

    for user in (sam, alice):
        response = api_as(user).post(f"/notifications/{notification.public_id}/read")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    notification.refresh_from_db()
    assert notification.read_at is None


def test_bad_input_is_a_clear_4xx(sam):
    client = api_as(sam)

    assert client.post("/notifications/not-a-uuid/read").status_code == 404
    assert client.get("/notifications", unread="maybe").status_code == 400
    assert client.get("/notifications", limit=0).status_code == 400
    assert error_of(client.get("/notifications", cursor="forged"))["code"] == "invalid_cursor"
