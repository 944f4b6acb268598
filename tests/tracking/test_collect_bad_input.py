"""Bad input at /t/collect: each gets a clear 4xx naming the problem, never a 500, and stored data
stays as it was."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from leadline.activity.models import Activity
from leadline.tracking.models import Visitor
from tests.tracking.factories import ORIGIN, SiteFactory, page_view, post_raw, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Any:
    return SiteFactory()


@pytest.fixture
def stored(site: Any) -> int:
    """Events already stored before the bad request; they must survive it."""
    send(site, [page_view(f"{ORIGIN}/kept")], visitor=str(uuid.uuid4()))
    return Activity.objects.count()


def body(for_site: Any, **overrides: Any) -> str:
    payload: dict[str, Any] = {"site": for_site.key, "visitor": str(uuid.uuid4()), "events": [page_view()]}
    payload.update(overrides)
    return json.dumps({key: value for key, value in payload.items() if value is not ...})


def assert_refused(response: Any, status: int, words: str, stored: int) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert words in response.json()["error"]
    assert Activity.objects.count() == stored


def test_malformed_json(stored: int) -> None:
    assert_refused(post_raw('{"site": "x", "events": [}'), 400, "not valid JSON in UTF-8", stored)


def test_invalid_utf8(stored: int) -> None:
    assert_refused(post_raw(b'{"site": "\xff\xfe"}'), 400, "not valid JSON in UTF-8", stored)


def test_deeply_nested_json(stored: int) -> None:
    assert_refused(post_raw("[" * 50_000 + "]" * 50_000), 413, "larger than 64 KB", stored)
    assert_refused(post_raw("[" * 20_000 + "]" * 20_000), 400, "not valid JSON in UTF-8", stored)


def test_a_body_that_is_not_an_object(stored: int) -> None:
    assert_refused(post_raw("[1, 2, 3]"), 400, "must be a JSON object", stored)


def test_an_empty_body(stored: int) -> None:
    assert_refused(post_raw(""), 400, "not valid JSON in UTF-8", stored)


def test_a_one_megabyte_body(site: Any, stored: int) -> None:
    huge = body(site, events=[page_view(f"{ORIGIN}/" + "a" * 1_000_000)])
    assert_refused(post_raw(huge), 413, "larger than 64 KB", stored)


def test_thousands_of_events(site: Any, stored: int) -> None:
    events = [{"type": "page.view", "url": f"{ORIGIN}/{index}"} for index in range(3000)]
    # 3000 events take more than 64 KB, so the size cap refuses them before they are parsed.
    assert_refused(post_raw(body(site, events=events)), 413, "larger than 64 KB", stored)


def test_more_than_100_events_within_the_size_cap(site: Any, stored: int) -> None:
    events = [{"type": "page.view", "url": "/"} for _ in range(101)]
    assert_refused(post_raw(body(site, events=events)), 413, "At most 100 events", stored)


def test_an_unknown_site_key(stored: int) -> None:
    assert_refused(send("no-such-site-key", [page_view()]), 404, "Unknown site key", stored)


def test_a_site_key_of_the_wrong_type(site: Any, stored: int) -> None:
    assert_refused(post_raw(body(site, site=12345)), 400, "site must be the site key", stored)


def test_a_missing_site_key(site: Any, stored: int) -> None:
    assert_refused(post_raw(body(site, site=...)), 400, "site must be the site key", stored)


def test_a_foreign_origin(site: Any, stored: int) -> None:
    response = send(site, [page_view()], origin="https://evil.example")
    assert_refused(response, 403, "not one of the site's allowed domains", stored)
    assert "Access-Control-Allow-Origin" not in response


def test_a_lookalike_origin(site: Any, stored: int) -> None:
    response = send(site, [page_view()], origin="https://www.shop.example.evil.example")
    assert_refused(response, 403, "allowed domains", stored)


def test_no_origin_at_all(site: Any, stored: int) -> None:
    assert_refused(send(site, [page_view()], origin=None), 403, "allowed domains", stored)


def test_a_null_origin(site: Any, stored: int) -> None:
    assert_refused(send(site, [page_view()], origin="null"), 403, "allowed domains", stored)


@pytest.mark.parametrize("visitor", ["not-a-uuid", 42, None, ["x"]])
def test_a_visitor_that_is_not_a_uuid(site: Any, stored: int, visitor: Any) -> None:
    assert_refused(post_raw(body(site, visitor=visitor)), 400, "visitor must be a UUID", stored)


@pytest.mark.parametrize("events", [[], {}, "page.view", None, 3])
def test_events_that_are_not_a_list_of_events(site: Any, stored: int, events: Any) -> None:
    assert_refused(post_raw(body(site, events=events)), 400, "events must be a non-empty list", stored)


def test_an_unknown_top_level_field(site: Any, stored: int) -> None:
    assert_refused(post_raw(body(site, token="x")), 400, "Unknown field 'token'", stored)


def test_an_unknown_event_field(site: Any, stored: int) -> None:
    events = [page_view(), {**page_view(), "color": "red"}]
    assert_refused(post_raw(body(site, events=events)), 400, "events[1] has an unknown field 'color'", stored)


@pytest.mark.parametrize(
    ("event", "words"),
    [
        ("a string", "events[1] must be an object"),
        ({"type": "click"}, "events[1].type must be one of"),
        ({"type": "page.view"}, "events[1].url is required"),
        ({"type": "page.view", "url": 42}, "events[1].url must be a string"),
        ({"type": "page.view", "url": "/", "referrer": ["x"]}, "events[1].referrer must be a string"),
        ({"type": "page.view", "url": "/", "ts": "yesterday"}, "events[1].ts must be a number"),
        ({"type": "page.view", "url": "/", "ts": True}, "events[1].ts must be a number"),
        ({"type": "page.view", "url": "/", "props": ["a"]}, "events[1].props must be an object"),
        ({"type": "event"}, "events[1].name is required"),
        ({"type": "event", "name": "   "}, "events[1].name is required"),
        ({"type": "event", "name": {"x": 1}}, "events[1].name must be a string"),
        ({"type": "identify"}, "events[1].email is required"),
        ({"type": "identify", "email": "not an email"}, "events[1].email is not a valid email"),
        ({"type": "identify", "email": 7}, "events[1].email is not a valid email"),
    ],
)
def test_an_event_of_the_wrong_shape(site: Any, stored: int, event: Any, words: str) -> None:
    assert_refused(post_raw(body(site, events=[page_view(), event])), 400, words, stored)


def test_props_larger_than_2_kb(site: Any, stored: int) -> None:
    event = {"type": "event", "name": "big", "props": {"blob": "x" * 3000}}
    assert_refused(post_raw(body(site, events=[event])), 413, "larger than 2048 bytes", stored)


def test_nested_props_larger_than_2_kb(site: Any, stored: int) -> None:
    event = {"type": "event", "name": "big", "props": {"list": list(range(1000))}}
    assert_refused(post_raw(body(site, events=[event])), 413, "larger than 2048 bytes", stored)


def test_a_non_numeric_content_length(site: Any, stored: int) -> None:
    assert_refused(post_raw(body(site), CONTENT_LENGTH="lots"), 400, "Content-Length", stored)


def test_long_strings_are_capped_not_refused(site: Any) -> None:
    url = f"{ORIGIN}/" + "p" * 5000
    response = post_raw(body(site, events=[page_view(url), {"type": "event", "name": "n" * 500}]))

    assert response.status_code == 204
    view = Activity.objects.get(kind="page.view")
    assert len(view.url) == 2000
    assert len(view.title) <= 300
    assert len(Activity.objects.get(kind="event.custom").title) == 200


def test_a_refused_request_creates_no_visitor(site: Any) -> None:
    post_raw(body(site, events=[page_view(), {"type": "nope"}]))
    assert not Visitor.objects.exists()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_that_are_not_json(site: Any, stored: int, constant: str) -> None:
    raw = body(site, events=[{"type": "event", "name": "x", "props": {"n": 1}}]).replace("1}", constant + "}")
    assert_refused(post_raw(raw), 400, "not valid JSON", stored)


def test_a_nul_character_in_any_text(site: Any, stored: int) -> None:
    raw = body(site, events=[page_view(f"{ORIGIN}/a\u0000b")])
    assert "\\u0000" in raw
    assert_refused(post_raw(raw), 400, "NUL characters", stored)


def test_an_unpaired_surrogate(site: Any, stored: int) -> None:
    raw = body(site, events=[{"type": "event", "name": "x", "props": {"k": "PLACEHOLDER"}}])
    assert_refused(post_raw(raw.replace("PLACEHOLDER", "\\ud800")), 400, "unpaired UTF-16 surrogate", stored)


def test_escaped_emoji_are_fine(site: Any) -> None:
    raw = body(site, events=[{"type": "event", "name": "PLACEHOLDER"}]).replace(
        "PLACEHOLDER", "\\ud83d\\ude80 launch"
    )
    assert post_raw(raw).status_code == 204
    assert Activity.objects.get(kind="event.custom").title == "🚀 launch"


def test_a_utf16_body(site: Any, stored: int) -> None:
    assert_refused(post_raw(body(site).encode("utf-16")), 400, "not valid JSON", stored)


def test_a_timestamp_too_large_for_a_float_is_clamped(site: Any) -> None:
    raw = body(site, events=[{"type": "page.view", "url": f"{ORIGIN}/", "ts": 0}]).replace(
        '"ts": 0', '"ts": 1' + "0" * 400
    )
    assert post_raw(raw).status_code == 204
    assert Activity.objects.filter(url=f"{ORIGIN}/").count() == 1
