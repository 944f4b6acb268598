"""Every route: no token → 401, a token without the route's scope → 403 naming the scope, and
session cookies are never accepted in place of a token."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from leadline.accounts.models import Scope
from leadline.scoring.models import ScoringRule
from leadline.segments.models import Segment
from tests.access_areas import area_modules
from tests.api.client import ApiClient, api_as, error_of
from tests.api.routes import ROUTES, Route, fill
from tests.conftest import client_for
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory, CustomPropertyFactory
from tests.sales.factories import HandoffFactory


@pytest.fixture
def ids(alice) -> dict[str, str]:
    contact = ContactFactory(owner=alice)
    ids = {
        "contact": str(contact.public_id),
        "duplicate": str(ContactFactory(owner=alice).public_id),
        "company": str(CompanyFactory(owner=alice).public_id),
        "property": str(CustomPropertyFactory().public_id),
        "note": str(ActivityFactory(contact=contact, actor=alice).public_id),
        "handoff": str(HandoffFactory(contact=contact, assigned_to=alice).public_id),
        "segment": str(Segment.objects.create(name="Customers list", kind="static").public_id),
        "rule": str(
            ScoringRule.objects.create(
                name="Pricing", category="engagement", points=1, activity_kind="page.view"
            ).public_id
        ),
    }
    for area in area_modules():
        if hasattr(area, "api_ids"):
            ids.update(area.api_ids(alice, ids))
    return ids


def call(client: ApiClient, route: Route, ids: dict[str, str]):
    return client.request(route.method, fill(route.path, ids), fill(route.body, ids))


def test_it_lists_every_api_operation_in_the_route_table():
    _prefix, api_resolver = get_resolver().namespace_dict["api"]
    documentation = {"openapi-json", "openapi-view", "api-root", "not_found"}
    operations = {name for name in api_resolver.reverse_dict if isinstance(name, str)} - documentation

    assert operations == {route.url_name for route in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.url_name)
def test_it_refuses_requests_without_a_token(route, ids):
    response = call(ApiClient(token=None), route, ids)

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.url_name)
def test_it_refuses_an_unknown_token(route, ids):
    response = call(ApiClient(token="ll_not-a-real-token"), route, ids)
    assert response.status_code == 401


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.url_name)
def test_it_ignores_a_signed_in_session(route, ids, alice):
    client = ApiClient(token=None)
    client.client = client_for(alice)

    response = call(client, route, ids)

    assert response.status_code == 401


@pytest.mark.parametrize(
    "route", [route for route in ROUTES if route.scope], ids=lambda route: route.url_name
)
def test_it_refuses_a_token_without_the_route_scope(route, ids, alice):
    other_scopes = [scope for scope in Scope.values if scope != route.scope]

    response = call(api_as(alice, other_scopes), route, ids)

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "forbidden"
    assert route.scope in error["message"]


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.url_name)
def test_it_accepts_a_token_with_the_route_scope(route, ids, alice):
    scopes = [route.scope] if route.scope else [Scope.CONTACTS_READ]

    response = call(api_as(alice, scopes), route, ids)

    assert response.status_code in {200, 201, 204}, response.content
