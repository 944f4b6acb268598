"""Session forms need Django's CSRF token; without it nothing changes."""

import re

from django.test import Client

from leadline.accounts.models import ApiToken, Team
from tests.factories import DEFAULT_PASSWORD


def test_it_refuses_a_session_form_posted_without_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/settings/teams/new/", {"name": "Forged"})
    assert response.status_code == 403
    assert not Team.objects.filter(name="Forged").exists()


def test_it_accepts_the_same_form_with_the_token_from_the_page(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get("/settings/teams/new/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post("/settings/teams/new/", {"name": "Real", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Team.objects.filter(name="Real").exists()


def test_it_refuses_token_creation_and_sign_in_without_the_csrf_token(sam):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sam)
    assert client.post("/settings/tokens/", {"name": "x", "scopes": ["contacts:read"]}).status_code == 403
    assert not ApiToken.objects.exists()
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(
        "/accounts/login/", {"login": "sam@leadline.test", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 403
