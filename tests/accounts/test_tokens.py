"""API tokens: created by anyone for themselves, shown once, stored only as a digest."""

import hashlib
import logging

from leadline.accounts.models import ApiToken, Scope
from leadline.accounts.services import api_token_authenticate
from leadline.core.models import AuditEntry
from tests.accounts.factories import make_token
from tests.conftest import client_for


def test_it_creates_a_token_and_shows_the_secret_once(sam, caplog):
    client = client_for(sam)
    with caplog.at_level(logging.DEBUG):
        response = client.post("/settings/tokens/", {"name": "Zapier", "scopes": ["contacts:read"]})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("ll_")
    assert secret.encode() in response.content
    assert b'data-copy="new-token-secret"' in response.content
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]

    token = ApiToken.objects.get(user=sam)
    assert token.scopes == ["contacts:read"]
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(ApiToken.objects.values_list()) and secret not in token.prefix
    assert not AuditEntry.objects.filter(summary__contains=secret).exists()
    assert secret not in caplog.text
    assert api_token_authenticate(secret) == token

    later = client.get("/settings/tokens/")
    assert secret.encode() not in later.content
    assert token.prefix.encode() in later.content


def test_it_does_not_offer_settings_write_to_sales(sam, maria):
    sales_page = client_for(sam).get("/settings/tokens/").content.decode()
    assert Scope.SETTINGS_WRITE.value not in sales_page
    response = client_for(sam).post("/settings/tokens/", {"name": "Sneaky", "scopes": ["settings:write"]})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    assert Scope.SETTINGS_WRITE.value in client_for(maria).get("/settings/tokens/").content.decode()


def test_it_needs_a_name_and_a_scope(sam):
    response = client_for(sam).post("/settings/tokens/", {"name": "", "scopes": []})
    assert response.status_code == 400
    assert b"has-error" in response.content
    assert not ApiToken.objects.exists()


def test_it_lists_only_ones_own_tokens_to_non_admins(sam, tess):
    make_token(sam, "Sam's script")
    make_token(tess, "Tess's script")
    body = client_for(sam).get("/settings/tokens/").content.decode()
    assert "Sam&#x27;s script" in body
    assert "Tess&#x27;s script" not in body


def test_it_lists_everyones_tokens_to_admins(alice, sam, tess):
    make_token(sam, "Sam's script")
    make_token(tess, "Tess's script")
    body = client_for(alice).get("/settings/tokens/").content.decode()
    assert "Sam&#x27;s script" in body and "Tess&#x27;s script" in body
    assert "Tess Teammate" in body


def test_it_lists_tokens_in_a_constant_number_of_queries(alice, sam, tess, django_assert_max_num_queries):
    client = client_for(alice)
    make_token(sam)
    client.get("/settings/tokens/")
    with django_assert_max_num_queries(12) as few:
        client.get("/settings/tokens/")
    for index in range(20):
        make_token(tess if index % 2 else sam, f"Token {index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/settings/tokens/")
    assert len(response.context["page"].object_list) == 21


def test_it_revokes_after_confirmation(sam):
    token, secret = make_token(sam)
    client = client_for(sam)
    confirm = client.get(f"/settings/tokens/{token.public_id}/revoke/")
    assert confirm.status_code == 200
    assert b"Revoke the token" in confirm.content
    assert api_token_authenticate(secret) == token
    response = client.post(f"/settings/tokens/{token.public_id}/revoke/")
    assert response["Location"] == "/settings/tokens/"
    assert api_token_authenticate(secret) is None
    assert b"Revoked" in client.get("/settings/tokens/").content
    assert AuditEntry.objects.filter(action="token.revoked", actor=sam).exists()


def test_it_hides_another_persons_token_from_sales(sam, tess):
    token, secret = make_token(tess)
    client = client_for(sam)
    assert client.get(f"/settings/tokens/{token.public_id}/revoke/").status_code == 404
    assert client.post(f"/settings/tokens/{token.public_id}/revoke/").status_code == 404
    assert api_token_authenticate(secret) == token


def test_it_lets_an_admin_revoke_anyones_token(alice, oscar):
    token, secret = make_token(oscar)
    client_for(alice).post(f"/settings/tokens/{token.public_id}/revoke/")
    assert api_token_authenticate(secret) is None
    assert AuditEntry.objects.get(action="token.revoked").actor == alice


def test_it_escapes_a_hostile_token_name(sam):
    client_for(sam).post("/settings/tokens/", {"name": "<script>x</script>", "scopes": ["contacts:read"]})
    body = client_for(sam).get("/settings/tokens/").content.decode()
    assert "<script>x</script>" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body
