"""Personas used across the suite, after the healthchecks convention:

- alice: admin
- maria: marketing
- sam: sales, in the "North" team with tess
- tess: sales, sam's teammate
- oscar: sales in no team: the outsider whose contacts sam must not see
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from leadline.accounts.models import Role, User
from tests.factories import DEFAULT_PASSWORD, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def no_outside_dns(settings: Any) -> None:
    """DNS lookups (sending-domain checks) go to a loopback port where nothing answers, and give up
    fast: tests never reach the network. The domain tests point this at their own DNS server."""
    settings.LEADLINE_DNS_NAMESERVERS = ["127.0.0.1:9"]
    settings.LEADLINE_DNS_TIMEOUT = 0.2
    settings.LEADLINE_DNS_LIFETIME = 0.4


@pytest.fixture
def alice(db: None) -> User:
    return UserFactory(email="alice@leadline.test", first_name="Alice", last_name="Admin", role=Role.ADMIN)


@pytest.fixture
def maria(db: None) -> User:
    return UserFactory(
        email="maria@leadline.test", first_name="Maria", last_name="Marketer", role=Role.MARKETING
    )


@pytest.fixture
def north_team(db: None) -> Any:
    return TeamFactory(name="North")


@pytest.fixture
def sam(db: None, north_team: Any) -> User:
    user = UserFactory(email="sam@leadline.test", first_name="Sam", last_name="Seller", role=Role.SALES)
    north_team.members.add(user)
    return user


@pytest.fixture
def tess(db: None, north_team: Any) -> User:
    user = UserFactory(email="tess@leadline.test", first_name="Tess", last_name="Teammate", role=Role.SALES)
    north_team.members.add(user)
    return user


@pytest.fixture
def oscar(db: None) -> User:
    return UserFactory(email="oscar@leadline.test", first_name="Oscar", last_name="Outsider", role=Role.SALES)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def personas(alice: User, maria: User, sam: User, tess: User, oscar: User) -> dict[str, User]:
    return {"alice": alice, "maria": maria, "sam": sam, "tess": tess, "oscar": oscar}


__all__ = ["DEFAULT_PASSWORD", "client_for"]
