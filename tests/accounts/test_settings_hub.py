"""The settings hub shows each role only what it may use."""

from tests.accounts.factories import enable_totp
from tests.conftest import client_for


def links(response) -> str:
    return response.content.decode()


def test_it_shows_admins_every_card(alice):
    body = links(client_for(alice).get("/settings/"))
    for href in (
        "/settings/profile/",
        "/settings/people/",
        "/settings/teams/",
        "/settings/tokens/",
        "/accounts/2fa/",
        "/settings/properties/",
        "/settings/outbox/",
        "/settings/audit/",
    ):
        assert f'href="{href}"' in body, href


def test_it_hides_admin_cards_from_marketing(maria):
    body = links(client_for(maria).get("/settings/"))
    assert 'href="/settings/properties/"' in body
    assert 'href="/settings/tokens/"' in body
    for href in ("/settings/people/", "/settings/teams/", "/settings/outbox/", "/settings/audit/"):
        assert f'href="{href}"' not in body, href


def test_it_shows_sales_their_own_account_and_the_properties_they_may_read(sam):
    body = links(client_for(sam).get("/settings/"))
    for href in ("/settings/profile/", "/settings/tokens/", "/accounts/2fa/", "/settings/properties/"):
        assert f'href="{href}"' in body, href
    for href in ("/settings/people/", "/settings/teams/", "/settings/outbox/", "/settings/audit/"):
        assert f'href="{href}"' not in body, href


def test_it_says_whether_two_factor_is_on(oscar):
    assert b'badge-warn">Off' in client_for(oscar).get("/settings/").content
    enable_totp(oscar)
    assert b'badge-ok">On' in client_for(oscar).get("/settings/").content
