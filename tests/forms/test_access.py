"""Every forms route, for every persona and for anonymous visitors.

Everyone signed in may look at forms and their submissions; only admins and marketing change them.
The hosted page, the embed and the confirmation link are public by design.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from leadline.forms.autoreply import confirmation_token
from leadline.forms.models import Form, FormField
from leadline.forms.services import form_submit
from tests.conftest import client_for
from tests.forms.factories import FormFactory, SiteFactory, answers

PERSONAS = ("alice", "maria", "sam", "oscar", "anonymous")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    expected: dict[str, int]  # status for alice, maria, sam, oscar and an anonymous visitor
    kwargs: str = "form"
    data: dict[str, Any] | None = None


EVERYONE = {"alice": 200, "maria": 200, "sam": 200, "oscar": 200, "anonymous": 302}
BUILDERS_PAGE = {"alice": 200, "maria": 200, "sam": 403, "oscar": 403, "anonymous": 302}
BUILDERS_ACTION = {"alice": 302, "maria": 302, "sam": 403, "oscar": 403, "anonymous": 302}
PUBLIC = dict.fromkeys(PERSONAS, 200)

ROUTES = [
    Route("forms:list", "get", EVERYONE, kwargs=""),
    Route("forms:create", "get", BUILDERS_PAGE, kwargs=""),
    Route("forms:detail", "get", EVERYONE),
    Route("forms:edit", "get", BUILDERS_PAGE),
    Route("forms:preview", "get", EVERYONE),
    Route("forms:submissions", "get", EVERYONE),
    Route("forms:delete", "post", BUILDERS_ACTION),
    Route("forms:field_add", "post", BUILDERS_ACTION, data={"target": "city", "label": "City"}),
    Route("forms:field_edit", "get", BUILDERS_PAGE, kwargs="field"),
    Route("forms:field_move", "post", BUILDERS_ACTION, kwargs="field", data={"direction": "up"}),
    Route("forms:field_remove", "post", BUILDERS_ACTION, kwargs="field"),
    Route("forms_public:hosted", "get", PUBLIC, kwargs="slug"),
    Route("forms_public:embed_js", "get", PUBLIC, kwargs="slug"),
    Route("forms_public:confirm", "get", PUBLIC, kwargs="token"),
]


@pytest.fixture
def world(db) -> dict[str, Any]:
    form = FormFactory(site=SiteFactory())
    field = form.fields.get(target="company")
    submission = form_submit(form=form, data=answers(form)).submission
    return {
        "": {},
        "form": {"public_id": form.public_id},
        "field": {"public_id": form.public_id, "field_id": field.public_id},
        "slug": {"slug": form.slug},
        "token": {"token": confirmation_token(submission)},
    }


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_route_access(route: Route, persona: str, world, request):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = client_for(user)
    url = reverse(route.name, kwargs=world[route.kwargs])

    response = getattr(client, route.method)(url, route.data or {})

    assert response.status_code == route.expected[persona], f"{persona} {route.method} {url}"
    if persona == "anonymous" and route.expected[persona] == 302:
        assert response["Location"].startswith("/accounts/login/")


def test_refused_writes_change_nothing(db, sam, world):
    client = client_for(sam)
    form = Form.objects.get()
    field = FormField.objects.get(form=form, target="company")

    client.post(reverse("forms:delete", kwargs=world["form"]))
    client.post(reverse("forms:field_remove", kwargs=world["field"]))
    client.post(reverse("forms:edit", kwargs=world["form"]), {"name": "Hijacked", "slug": "hijacked"})

    form.refresh_from_db()
    assert form.name != "Hijacked"
    assert FormField.objects.filter(pk=field.pk).exists()


def test_an_unknown_form_id_is_not_found(alice):
    assert client_for(alice).get("/forms/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client_for(alice).get("/forms/not-a-uuid/").status_code == 404


def test_the_embed_endpoint_answers_no_one_without_an_allowed_origin(world):
    response = Client().options(reverse("forms_public:embed_submit", kwargs=world["slug"]))

    assert response.status_code == 403
