"""Public inbound mail URLs: bounce reports posted by the SMTP relay and the ESP webhooks
(tracking and inbound, through django-anymail), under /email/inbound/.

The relay endpoint takes one raw RFC 822 message as the request body, e.g. from a Postfix pipe:
`curl --data-binary @- "https://crm.example.com/email/inbound/relay/<token>/?recipient=${recipient}"`.
It is authenticated by the signed token in its URL (admins see the URL on the suppression list
page) and answers 202 when the message was read, 400 when it is not an email, 403 for a wrong
token and 413 when it is too big.

The ESP webhooks are django-anymail's views, open only when ANYMAIL["WEBHOOK_SECRET"] is set (the
basic-auth credentials the ESP posts with); without it they answer 404, so that nobody can post
made-up bounces to an installation that does not use an ESP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from leadline.core.signing import SALT_PREFIX
from leadline.mail.bounces import INBOUND_MAX_BYTES, InboundError, inbound_process

logger = logging.getLogger(__name__)

app_name = "mail_inbound"

RELAY_SALT = f"{SALT_PREFIX}mail.inbound_relay"
_RELAY_VALUE = "relay"
RECIPIENT_MAX_LENGTH = 320


def relay_token() -> str:
    """The secret of the relay URL: a signature by the installation's secret key (stable, so the
    relay's configuration keeps working; it changes only with the secret key)."""
    return signing.Signer(salt=RELAY_SALT).signature(_RELAY_VALUE)


def relay_url() -> str:
    """The full URL the SMTP relay posts bounces to."""
    return settings.BASE_URL.rstrip("/") + reverse("mail_inbound:relay", args=[relay_token()])


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_POST
def relay_receive(request: HttpRequest, token: str) -> HttpResponse:
    if len(token) > 200 or not constant_time_compare(token, relay_token()):
        return _error(403, "This relay URL is not valid. Copy it again from the suppression list page.")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > INBOUND_MAX_BYTES:
        return _error(413, f"The message is larger than {INBOUND_MAX_BYTES // (1024 * 1024)} MB.")
    # Read the stream ourselves: a bounce may be larger than the form-body limit of the site.
    raw = request.read(INBOUND_MAX_BYTES + 1)
    if len(raw) > INBOUND_MAX_BYTES:
        return _error(413, f"The message is larger than {INBOUND_MAX_BYTES // (1024 * 1024)} MB.")
    recipient = request.GET.get("recipient", "")
    if len(recipient) > RECIPIENT_MAX_LENGTH:
        return _error(400, "The recipient is too long.")
    try:
        outcome = inbound_process(raw, source="relay", envelope_recipient=recipient)
    except InboundError as error:
        return _error(400, str(error))
    return JsonResponse(
        {
            "result": outcome.result,
            "message": str(outcome.message) if outcome.message else None,
            "suppressed": outcome.suppressed,
        },
        status=202,
    )


# --- ESP webhooks (django-anymail) -----------------------------------------------------------------


def webhooks_enabled() -> bool:
    from anymail.utils import get_anymail_setting

    try:
        return bool(get_anymail_setting("webhook_secret", default=None))
    except ImproperlyConfigured:
        return False


def _guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @csrf_exempt
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from anymail.exceptions import AnymailWebhookValidationFailure

        if not webhooks_enabled():
            return _error(404, "Email provider webhooks are not set up on this installation.")
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            return _error(403, "The webhook's credentials or signature are wrong.")
        except ImproperlyConfigured:
            logger.exception("An email provider webhook is not configured")
            return _error(404, "This email provider's webhook is not set up on this installation.")
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, UnicodeError):
            # The provider's payload did not have the shape its parser expects.
            logger.warning("An email provider webhook could not be read", exc_info=True)
            return _error(400, "The webhook's body could not be read.")

    return guarded


def _esp_patterns() -> list[URLPattern]:
    from anymail import urls as anymail_urls

    patterns = []
    for pattern in anymail_urls.urlpatterns:
        if isinstance(pattern, URLPattern) and pattern.name:
            patterns.append(URLPattern(pattern.pattern, _guarded(pattern.callback), name=pattern.name))
    return patterns


urlpatterns: list[URLPattern | URLResolver] = [
    path("relay/<str:token>/", relay_receive, name="relay"),
    path("esp/", include((_esp_patterns(), "anymail"))),
]
