"""Signing in with email and password through allauth, with Leadline's pages."""

from django.test import Client

from tests.accounts.factories import enable_totp, totp_code
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory


def sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_it_shows_a_leadline_sign_in_page(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "auth-card" in body
    assert "Forgot password?" in body
    assert 'name="login"' in body and 'name="password"' in body


def test_it_signs_in_with_email_and_password(client, alice):
    response = sign_in(client, "alice@leadline.test", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_it_accepts_the_email_in_another_case(client, alice):
    response = sign_in(client, "Alice@Leadline.TEST", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert client.get("/settings/").status_code == 200


def test_it_shows_an_error_for_a_wrong_password(client, alice):
    response = sign_in(client, "alice@leadline.test", "not-the-password")
    assert response.status_code == 200
    assert b"not correct" in response.content
    assert b"alert-error" in response.content
    assert client.get("/settings/").status_code == 302


def test_it_does_not_sign_in_a_deactivated_person(client, db):
    UserFactory(email="gone@leadline.test", is_active=False)
    response = sign_in(client, "gone@leadline.test", DEFAULT_PASSWORD)
    assert response["Location"] == "/accounts/inactive/"
    assert b"This account is deactivated" in client.get("/accounts/inactive/").content
    assert client.get("/settings/").status_code == 302


def test_it_asks_for_a_two_factor_code_when_totp_is_on(client, alice):
    secret = enable_totp(alice)
    response = sign_in(client, "alice@leadline.test", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # The password alone does not open the app.
    assert client.get("/settings/").status_code == 302

    page = client.get("/accounts/2fa/authenticate/")
    assert page.status_code == 200
    assert b"Enter your code" in page.content

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/settings/").status_code == 200


def test_it_refuses_a_wrong_two_factor_code(client, alice):
    secret = enable_totp(alice)
    sign_in(client, "alice@leadline.test", DEFAULT_PASSWORD)
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert client.get("/settings/").status_code == 302


def test_it_does_not_let_a_code_be_used_twice(alice):
    secret = enable_totp(alice)
    first, second = Client(), Client()
    sign_in(first, "alice@leadline.test", DEFAULT_PASSWORD)
    sign_in(second, "alice@leadline.test", DEFAULT_PASSWORD)
    code = totp_code(secret)
    first.post("/accounts/2fa/authenticate/", {"code": code})
    second.post("/accounts/2fa/authenticate/", {"code": code})
    assert first.get("/settings/").status_code == 200
    assert second.get("/settings/").status_code == 302


def test_it_keeps_sign_up_closed(client, db):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert b"Sign-up is by invitation" in response.content
    client.post("/accounts/signup/", {"email": "new@leadline.test", "password1": "a-Long-password-42"})
    from leadline.accounts.models import User

    assert not User.objects.filter(email="new@leadline.test").exists()


def test_it_asks_before_signing_out(alice):
    client = client_for(alice)
    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    assert b"Sign out?" in page.content
    assert client.get("/settings/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/settings/").status_code == 302
