"""Turning two-factor authentication on and off from Leadline's pages."""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.test import Client

from leadline.core.models import AuditEntry
from tests.accounts.factories import enable_totp, totp_code
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD


def signed_in(email: str) -> Client:
    """A session that signed in and confirmed the password again, as allauth asks before MFA changes."""
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    response = client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def test_it_shows_two_factor_as_off_for_each_persona(personas):
    for user in personas.values():
        response = client_for(user).get("/accounts/2fa/")
        assert response.status_code == 200
        assert b"Two-factor authentication" in response.content
        assert b"Set up authenticator app" in response.content


def test_it_sends_anonymous_visitors_from_two_factor_to_sign_in(client, db):
    response = client.get("/accounts/2fa/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_turns_on_totp_with_a_valid_code_and_shows_recovery_codes(sam, django_capture_on_commit_callbacks):
    client = signed_in("sam@leadline.test")
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert b"data:image/svg+xml;base64," in page.content
    secret = client.session[SECRET_SESSION_KEY]
    assert secret.encode() in page.content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=sam, type=Authenticator.Type.TOTP).exists()
    assert AuditEntry.objects.filter(action="user.two_factor_enabled", actor=sam).exists()
    codes = client.get("/accounts/2fa/recovery-codes/")
    assert codes.status_code == 200
    assert codes.content.count(b"<li>") >= 10


def test_it_refuses_to_turn_on_totp_with_a_wrong_code(sam):
    client = signed_in("sam@leadline.test")
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session[SECRET_SESSION_KEY]
    wrong = "123456" if totp_code(secret) != "123456" else "654321"
    response = client.post("/accounts/2fa/totp/activate/", {"code": wrong})
    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert not Authenticator.objects.filter(user=sam).exists()


def test_it_asks_to_confirm_the_password_before_turning_on_totp(sam):
    client = client_for(sam)
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert "/accounts/reauthenticate/" in response["Location"]
    page = client.get(response["Location"])
    assert b"Confirm it is you" in page.content
    wrong = client.post(response["Location"], {"password": "not-my-password"})
    assert wrong.status_code == 200
    assert b"has-error" in wrong.content
    right = client.post(response["Location"], {"password": DEFAULT_PASSWORD})
    assert right["Location"] == "/accounts/2fa/totp/activate/"


def test_it_turns_off_totp_after_confirmation(sam):
    secret = enable_totp(sam)
    client = Client()
    client.post("/accounts/login/", {"login": "sam@leadline.test", "password": DEFAULT_PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    index = client.get("/accounts/2fa/")
    assert b"Turn off" in index.content
    page = client.get("/accounts/2fa/totp/deactivate/")
    assert page.status_code == 200
    assert b"Turn off two-factor authentication?" in page.content
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=sam, type=Authenticator.Type.TOTP).exists()
    assert AuditEntry.objects.filter(action="user.two_factor_disabled", actor=sam).exists()


def test_it_lets_a_recovery_code_stand_in_for_the_app(client, oscar):
    enable_totp(oscar)
    recovery = Authenticator.objects.get(user=oscar, type=Authenticator.Type.RECOVERY_CODES)
    code = recovery.wrap().get_unused_codes()[0]
    client.post("/accounts/login/", {"login": "oscar@leadline.test", "password": DEFAULT_PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.get("/settings/").status_code == 200
