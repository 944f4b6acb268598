"""Every accounts route, for every persona and for anonymous visitors.

Admins manage people and teams; everyone manages their own profile and tokens; sales and marketing
get 403 on admin pages and 404 on another person's token. The invitation page is public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from leadline.accounts.selectors import invitation_token
from tests.accounts.factories import InvitationFactory, make_token
from tests.conftest import client_for

PERSONAS = ("alice", "maria", "sam", "oscar")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    # Expected status for alice, maria, sam, oscar and an anonymous visitor.
    expected: dict[str, int]
    kwargs: str = ""


ADMIN_PAGE = {"alice": 200, "maria": 403, "sam": 403, "oscar": 403, "anonymous": 302}
ADMIN_ACTION = {"alice": 302, "maria": 403, "sam": 403, "oscar": 403, "anonymous": 302}
EVERYONE = {"alice": 200, "maria": 200, "sam": 200, "oscar": 200, "anonymous": 302}
PUBLIC = {"alice": 200, "maria": 200, "sam": 200, "oscar": 200, "anonymous": 200}

ROUTES = [
    Route("settings", "get", EVERYONE),
    Route("profile", "get", EVERYONE),
    Route("people", "get", ADMIN_PAGE),
    Route("invite", "get", ADMIN_PAGE),
    Route("person_edit", "get", ADMIN_PAGE, "person"),
    Route("person_deactivate", "post", ADMIN_ACTION, "person"),
    Route("person_reactivate", "post", ADMIN_ACTION, "person"),
    Route("invitation_resend", "post", ADMIN_ACTION, "invitation"),
    Route("invitation_revoke", "post", ADMIN_ACTION, "invitation"),
    Route("invitation_accept", "get", PUBLIC, "invitation_token"),
    Route("team_list", "get", ADMIN_PAGE),
    Route("team_create", "get", ADMIN_PAGE),
    Route("team_detail", "get", ADMIN_PAGE, "team"),
    Route("team_member_add", "post", {**ADMIN_ACTION, "alice": 400}, "team"),
    Route("team_member_remove", "post", ADMIN_ACTION, "team_member"),
    Route("team_delete", "get", ADMIN_PAGE, "team"),
    Route("token_list", "get", EVERYONE),
    # Tess's token: only an admin (or tess herself) may see it; to others it does not exist.
    Route(
        "token_revoke",
        "get",
        {"alice": 200, "maria": 404, "sam": 404, "oscar": 404, "anonymous": 302},
        "token",
    ),
]


@pytest.fixture
def world(personas, north_team) -> dict[str, Any]:
    tess = personas["tess"]
    invitation = InvitationFactory(invited_by=personas["alice"])
    token, _secret = make_token(tess)
    return {
        "person": {"public_id": tess.public_id},
        "invitation": {"public_id": invitation.public_id},
        "token": {"public_id": token.public_id},
        "team": {"public_id": north_team.public_id},
        "team_member": {"public_id": north_team.public_id, "user_id": tess.public_id},
        "invitation_token": {"token": invitation_token(invitation)},
    }


def _url(route: Route, world: dict[str, Any]) -> str:
    return reverse(f"accounts:{route.name}", kwargs=world[route.kwargs] if route.kwargs else None)


def test_every_accounts_route_is_listed_here():
    from leadline.accounts.urls import urlpatterns

    assert {pattern.name for pattern in urlpatterns} == {route.name for route in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_it_enforces_access(route: Route, persona: str, personas, world):
    client = Client() if persona == "anonymous" else client_for(personas[persona])
    response = getattr(client, route.method)(_url(route, world))
    assert response.status_code == route.expected[persona]
    if response.status_code == 302 and route.expected[persona] == 302 and persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "name",
    ["person_deactivate", "person_reactivate", "invitation_resend", "invitation_revoke", "team_member_add"],
)
def test_it_refuses_get_on_actions(name, alice, world):
    route = next(route for route in ROUTES if route.name == name)
    response = client_for(alice).get(_url(route, world))
    assert response.status_code == 405


@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if r.kwargs in {"person", "team", "invitation", "token"}],
    ids=lambda r: r.name,
)
def test_it_answers_404_for_unknown_and_malformed_ids(route: Route, alice):
    client = client_for(alice)
    kwargs = {"public_id": "not-a-uuid"}
    malformed = getattr(client, route.method)(reverse(f"accounts:{route.name}", kwargs=kwargs))
    assert malformed.status_code == 404
    kwargs = {"public_id": "00000000-0000-4000-8000-000000000000"}
    unknown = getattr(client, route.method)(reverse(f"accounts:{route.name}", kwargs=kwargs))
    assert unknown.status_code == 404
