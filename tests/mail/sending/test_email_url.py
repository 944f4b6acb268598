"""EMAIL_URL chooses how email leaves: an SMTP server, an email service through anymail, the
console or the in-app outbox. A value that cannot work stops start-up with a message naming it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from leadline.settings import email_settings_from_url


def test_no_url_means_the_in_app_outbox():
    assert email_settings_from_url("") == {"EMAIL_BACKEND": "leadline.core.outbox.OutboxBackend"}


def test_an_smtp_url_gives_host_port_and_credentials():
    settings = email_settings_from_url("smtp+tls://apikey:s%40cret@smtp.example.com")

    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (settings["EMAIL_HOST"], settings["EMAIL_PORT"]) == ("smtp.example.com", 587)
    assert (settings["EMAIL_HOST_USER"], settings["EMAIL_HOST_PASSWORD"]) == ("apikey", "s@cret")
    assert settings["EMAIL_USE_TLS"] is True and settings["EMAIL_USE_SSL"] is False


def test_an_email_service_goes_through_its_anymail_backend():
    settings = email_settings_from_url("anymail+postmark://server-token@?postmark_message_stream=broadcast")

    assert settings == {
        "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
        "ANYMAIL": {"POSTMARK_SERVER_TOKEN": "server-token", "POSTMARK_MESSAGE_STREAM": "broadcast"},
    }


def test_a_service_with_two_credentials_takes_both():
    settings = email_settings_from_url("anymail+mailjet://key:secret@?webhook_secret=hook:pass")

    assert settings["ANYMAIL"] == {
        "MAILJET_API_KEY": "key",
        "MAILJET_SECRET_KEY": "secret",
        "WEBHOOK_SECRET": "hook:pass",
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("anymail+postmark://", "EMAIL_URL for postmark must carry server_token"),
        ("anymail+mailjet://key@", "EMAIL_URL for mailjet must carry api_key:secret_key"),
        ("anymail+carrierpigeon://x@", "EMAIL_URL must start with"),
        ("https://smtp.example.com", "EMAIL_URL must start with"),
        ("smtp://", "EMAIL_URL must name a host"),
        ("smtp://host:99999", "EMAIL_URL has an invalid port"),
        ("anymail+sendgrid://key@?bad-name=1", "EMAIL_URL has a setting"),
    ],
)
def test_a_bad_value_names_email_url(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        email_settings_from_url(url)
