"""The endpoint the SMTP relay posts bounces to: authenticated by the signed token in its URL,
202 for a message it read, a clear 4xx for anything else."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from leadline.mail.inbound_urls import relay_token, relay_url
from leadline.mail.models import Suppression
from tests.mail.bounces.conftest import sample


def _url(token: str | None = None) -> str:
    return reverse("mail_inbound:relay", args=[token or relay_token()])


def _post(raw: bytes, url: str | None = None, **extra: str) -> Client:
    return Client().post(url or _url(), data=raw, content_type="message/rfc822", **extra)


def test_it_accepts_a_bounce_and_suppresses(message):
    response = _post(sample("postfix_user_unknown", message))

    assert response.status_code == 202
    assert response.json() == {"result": "hard_bounce", "message": str(message.public_id), "suppressed": True}
    assert Suppression.objects.filter(email="jane@example.org").exists()


def test_it_uses_the_envelope_recipient_the_relay_passes(message):
    from leadline.mail.addresses import return_path

    raw = sample("postfix_user_unknown", message, MESSAGE_ID="<unknown@nowhere>")
    raw = raw.replace(return_path(message).encode(), b"bounces@northwind.example")

    response = _post(raw, _url() + f"?recipient={return_path(message)}")

    assert response.json()["message"] == str(message.public_id)


def test_the_url_shown_to_admins_is_stable_and_works(message, settings):
    settings.BASE_URL = "https://crm.northwind.example"

    assert relay_url() == relay_url()
    assert relay_url().startswith("https://crm.northwind.example/email/inbound/relay/")
    response = _post(sample("arf_complaint", message), relay_url().removeprefix(settings.BASE_URL))
    assert response.status_code == 202


def test_it_refuses_a_wrong_token(message):
    response = _post(sample("postfix_user_unknown", message), _url("not-the-token"))

    assert response.status_code == 403
    assert "not valid" in response.json()["error"]
    assert not Suppression.objects.exists()


def test_it_refuses_a_token_signed_with_another_key(message, settings):
    token = relay_token()
    settings.SECRET_KEY = "another-installation-secret-key-0123456789"

    assert _post(sample("postfix_user_unknown", message), _url(token)).status_code == 403


def test_it_refuses_input_that_is_not_an_email(db):
    for raw in (b"", b'{"json": true}', b"\xff\xfe\x00garbage"):
        response = _post(raw)
        assert response.status_code == 400, raw
        assert response.json()["error"]


def test_it_refuses_a_message_that_is_too_big(db):
    response = _post(b"Subject: x\r\n\r\n" + b"a" * (5 * 1024 * 1024 + 10))

    assert response.status_code == 413


def test_it_refuses_an_overlong_recipient(message):
    response = _post(sample("postfix_user_unknown", message), _url() + "?recipient=" + "a" * 400)

    assert response.status_code == 400


def test_it_answers_a_message_that_is_no_bounce_without_changing_anything(message):
    response = _post(sample("vacation_reply", message))

    assert response.status_code == 202
    assert response.json()["result"] == "auto_reply"
    assert not Suppression.objects.exists()


def test_it_only_takes_post(db):
    assert Client().get(_url()).status_code == 405


def test_it_needs_no_csrf_token(message):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        _url(), data=sample("postfix_user_unknown", message), content_type="message/rfc822"
    )

    assert response.status_code == 202
