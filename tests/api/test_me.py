"""GET /me: who the token acts as, with any scope; revoked tokens and deactivated users are refused."""

from __future__ import annotations

from leadline.accounts.models import ApiToken
from leadline.accounts.services import api_token_create, api_token_revoke
from tests.api.client import ApiClient, error_of


def test_it_describes_the_tokens_user_and_scopes(sam):
    _token, secret = api_token_create(user=sam, name="Zapier", scopes=["contacts:read"])

    body = ApiClient(secret).get("/me").json()

    assert body["email"] == "sam@leadline.test"
    assert body["role"] == "sales"
    assert body["teams"] == ["North"]
    assert body["token"]["name"] == "Zapier"
    assert body["token"]["scopes"] == ["contacts:read"]
    assert secret not in str(body)


def test_it_records_when_a_token_was_last_used(sam):
    token, secret = api_token_create(user=sam, name="Zapier")
    assert token.last_used_at is None

    ApiClient(secret).get("/me")

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_refuses_a_revoked_token(sam):
    token, secret = api_token_create(user=sam, name="Old")
    api_token_revoke(token=token, actor=sam)

    response = ApiClient(secret).get("/me")

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_it_refuses_the_token_of_a_deactivated_user(sam):
    _token, secret = api_token_create(user=sam, name="Zapier")
    sam.is_active = False
    sam.save(update_fields=["is_active"])

    assert ApiClient(secret).get("/me").status_code == 401


def test_it_refuses_other_authorization_schemes(sam):
    _token, secret = api_token_create(user=sam, name="Zapier")
    client = ApiClient(None)

    for header in (f"Token {secret}", secret, f"Basic {secret}", "Bearer "):
        response = client.request("GET", "/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_it_stores_only_a_digest_of_the_token(sam):
    _token, secret = api_token_create(user=sam, name="Zapier")
    assert not ApiToken.objects.filter(digest=secret).exists()
    assert secret not in str(list(ApiToken.objects.values()))
