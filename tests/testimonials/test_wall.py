"""The public wall, its JSON and the embed script: approved testimonials only, always escaped."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from leadline.testimonials import services
from tests.conftest import client_for
from tests.testimonials.factories import SubmissionFactory, WallFactory, approved

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_it_shows_approved_testimonials_only(db):
    wall = WallFactory(title="Kind words")
    approved(text="Approved and lovely words here.")
    SubmissionFactory(text="Still waiting for approval here.")
    SubmissionFactory(text="Rejected words never shown.", status="rejected")

    response = Client().get(f"/testimonials/{wall.slug}/")

    assert response.status_code == 200
    assert b"Kind words" in response.content
    assert b"Approved and lovely words" in response.content
    assert b"Still waiting" not in response.content
    assert b"Rejected words" not in response.content


def test_it_escapes_html_on_the_wall(db):
    wall = WallFactory()
    approved(text=HOSTILE, display_name="<b>Mallory</b>", company='"><script>x()</script>')

    content = Client().get(f"/testimonials/{wall.slug}/").content

    assert b"<script>alert" not in content
    assert b"<img src=x" not in content
    assert b"<b>Mallory</b>" not in content
    assert b"&lt;script&gt;alert" in content


def test_it_serves_plain_text_json_with_cors_for_the_embed(db):
    wall = WallFactory()
    approved(text=HOSTILE)

    response = Client().get(f"/testimonials/{wall.slug}/items.json", HTTP_ORIGIN="https://www.example.com")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert b"<script>" not in response.content  # escaped as \u003c in the JSON itself
    payload = json.loads(response.content)
    assert payload["items"][0]["text"] == HOSTILE
    assert "contact" not in payload["items"][0]


def test_it_serves_an_embed_script_that_never_writes_html(db):
    wall = WallFactory()

    response = Client().get(f"/testimonials/{wall.slug}/embed.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    source = response.content.decode()
    assert "textContent" in source
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source


def test_it_answers_a_cors_preflight(db):
    wall = WallFactory()

    response = Client().options(f"/testimonials/{wall.slug}/items.json")

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"


def test_it_applies_the_walls_filters(db):
    wall = WallFactory(min_rating=4, only_with_text=True)
    approved(rating=5, text="Five stars and some words.")
    approved(rating=3, text="Three stars are not shown here.")

    content = Client().get(f"/testimonials/{wall.slug}/").content

    assert b"Five stars and some words." in content
    assert b"Three stars" not in content


@pytest.mark.parametrize(
    "path",
    [
        "/testimonials/no-such-wall/",
        "/testimonials/no-such-wall/items.json",
        "/testimonials/no-such-wall/embed.js",
    ],
)
def test_it_answers_404_for_an_unknown_wall(db, path):
    assert Client().get(path).status_code == 404


def test_it_hides_an_unpublished_wall(db):
    wall = WallFactory(is_published=False)

    assert Client().get(f"/testimonials/{wall.slug}/").status_code == 404
    assert Client().get(f"/testimonials/{wall.slug}/items.json").status_code == 404


def test_it_shows_a_new_approval_at_once_despite_the_cache(db, maria, django_capture_on_commit_callbacks):
    wall = WallFactory()
    Client().get(f"/testimonials/{wall.slug}/")  # warms the cache
    testimonial = SubmissionFactory(text="Freshly approved testimonial words.")

    with django_capture_on_commit_callbacks(execute=True):
        client_for(maria).post(f"/testimonials/manage/{testimonial.public_id}/approve/")
    content = Client().get(f"/testimonials/{wall.slug}/").content

    assert b"Freshly approved testimonial words." in content


def test_it_serves_a_cached_wall_without_queries(db, django_assert_max_num_queries):
    wall = WallFactory()
    approved()
    Client().get(f"/testimonials/{wall.slug}/")

    with django_assert_max_num_queries(1):  # the wall itself; its testimonials come from the cache
        Client().get(f"/testimonials/{wall.slug}/")


def test_it_manages_walls_for_admin_and_marketing(db, maria, sam):
    response = client_for(maria).post(
        "/testimonials/manage/walls/new/",
        {"title": "Our customers", "min_rating": "4", "max_items": "12", "is_published": "on"},
    )
    refused = client_for(sam).post("/testimonials/manage/walls/new/", {"title": "Sneaky"})

    assert response.status_code == 302
    assert refused.status_code == 403
    assert Client().get("/testimonials/our-customers/").status_code == 200


@pytest.mark.parametrize("slug", ["manage", "r", "x"])
def test_it_refuses_reserved_or_too_short_addresses(db, maria, slug):
    with pytest.raises(ValidationError):
        services.wall_create(
            actor=maria, data={"title": "Wall", "slug": slug, "min_rating": 1, "max_items": 5}
        )
