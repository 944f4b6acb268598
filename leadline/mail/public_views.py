"""What a recipient's mail client and browser reach: the open pixel, the click redirect, the
unsubscribe page with its RFC 8058 one-click POST, and the preference centre. No sign-in.

Tokens are signed (`leadline.mail.tracking`, `leadline.mail.merge_values`), so nothing here can be
enumerated: a bad click or unsubscribe token is a plain 404, and the pixel answers the same image
whatever it is given, so it tells a prober nothing.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from leadline.core.signing import BadToken
from leadline.mail.engagement import message_click_record, message_open_record
from leadline.mail.models import SubscriptionType, UnsubscribeSource
from leadline.mail.preferences import (
    ONE_CLICK_TEXT,
    ONE_CLICK_TEXT_VERSION,
    PREFERENCES_TEXT_VERSION,
    Recipient,
    active_subscription_types,
    all_marketing_wording,
    contact_preferences,
    preferences_update,
    recipient_from_token,
    type_wording,
    unsubscribe_contact,
)
from leadline.mail.tracking import read_click_token, read_open_token

logger = logging.getLogger(__name__)

# A 1×1 transparent GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_CACHE = "no-store, no-cache, must-revalidate, max-age=0, private"
ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"
# Set by the button on our own page, so the ledger says where the choice was made.
FROM_PAGE_FIELD = "from_page"


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from (a reverse proxy in front must set REMOTE_ADDR)."""
    address = str(request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _user_agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")


# --- Open pixel and click redirect ----------------------------------------------------------------


def _pixel() -> HttpResponse:
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = NO_CACHE
    response["Pragma"] = "no-cache"
    response["Expires"] = "0"
    return response


@require_http_methods(["GET", "HEAD"])
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """Always the same image: a bad token is simply not recorded."""
    try:
        message_public_id = read_open_token(token)
    except BadToken:
        return _pixel()
    try:
        message_open_record(
            message_public_id=message_public_id,
            user_agent=_user_agent(request),
            ip_address=client_ip(request),
            method=request.method or "GET",
        )
    except DatabaseError:
        # An open not counted is better than a broken image in someone's inbox.
        logger.exception("Could not record an email open")
    return _pixel()


def _is_web_url(url: str) -> bool:
    if not url or any(ord(character) < 0x21 or ord(character) == 0x7F for character in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@require_http_methods(["GET", "HEAD"])
def click(request: HttpRequest, token: str) -> HttpResponse:
    """302 to exactly the address signed into the token; anything else is a 404, never a redirect."""
    try:
        message_public_id, url = read_click_token(token)
    except BadToken:
        return _invalid_link(request)
    if not _is_web_url(url):
        return _invalid_link(request)
    try:
        message_click_record(
            message_public_id=message_public_id,
            url=url,
            user_agent=_user_agent(request),
            ip_address=client_ip(request),
            method=request.method or "GET",
        )
    except DatabaseError:
        # The reader still gets where they were going.
        logger.exception("Could not record an email click")
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = NO_CACHE
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- Unsubscribe and preferences ------------------------------------------------------------------


def _invalid_link(request: HttpRequest) -> HttpResponse:
    response = render(request, "mail/public/invalid.html", status=404)
    response["Cache-Control"] = NO_CACHE
    return response


def _public_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = NO_CACHE
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


class PreferencesForm(forms.Form):
    types = forms.MultipleChoiceField(required=False)
    unsubscribe_all = forms.BooleanField(required=False)

    def __init__(self, *args: Any, subscription_types: list[SubscriptionType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subscription_types = subscription_types
        choices = [(item.key, item.name) for item in subscription_types]
        self.fields["types"] = forms.MultipleChoiceField(required=False, choices=choices)

    def chosen_types(self) -> list[SubscriptionType]:
        keys = set(self.cleaned_data["types"])
        return [item for item in self.subscription_types if item.key in keys]


def _page_context(
    recipient: Recipient,
    token: str,
    *,
    subscription_types: list[SubscriptionType],
    errors: bool = False,
    saved: bool = False,
) -> dict[str, Any]:
    if recipient.contact is not None:
        preferences = contact_preferences(recipient.contact)
        unsubscribed_all = preferences.unsubscribed_from_all
        opted_out = preferences.unsubscribed_type_ids
    else:
        unsubscribed_all, opted_out = False, frozenset()
    sender_name = recipient.sender_name
    message_type = recipient.message.subscription_type if recipient.message is not None else None
    return {
        "recipient": recipient,
        "token": token,
        "sender_name": sender_name,
        "email": recipient.masked_email,
        "unsubscribed_all": unsubscribed_all,
        "all_wording": all_marketing_wording(sender_name),
        "message_type": message_type,
        "types": [
            {
                "type": item,
                "subscribed": item.pk not in opted_out,
                "wording": type_wording(item, sender_name),
            }
            for item in subscription_types
        ],
        "errors": errors,
        "saved": saved,
        "one_click_field": ONE_CLICK_FIELD,
        "one_click_value": ONE_CLICK_VALUE,
        "from_page_field": FROM_PAGE_FIELD,
    }


def _read_post(request: HttpRequest) -> Any:
    try:
        return request.POST
    except RequestDataTooBig:
        return HttpResponse("The request is too large.", status=413, content_type="text/plain")
    except (MultiPartParserError, TooManyFieldsSent, ValueError):
        return HttpResponse("The request could not be read.", status=400, content_type="text/plain")


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the confirmation page (changes nothing). POST with `List-Unsubscribe=One-Click`: the
    mailbox's one-click unsubscribe (RFC 8058), which needs no cookie, CSRF token or sign-in."""
    recipient = recipient_from_token(token)
    if recipient is None:
        return _invalid_link(request)
    if request.method == "GET":
        types = list(active_subscription_types())
        context = _page_context(
            recipient, token, subscription_types=types, saved=bool(request.GET.get("saved"))
        )
        return _public_page(request, "mail/public/unsubscribe.html", context)
    data = _read_post(request)
    if isinstance(data, HttpResponse):
        return data
    if data.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        context = {"sender_name": recipient.sender_name, "token": token}
        return _public_page(request, "mail/public/one_click_refused.html", context, status=400)
    if recipient.contact is not None:
        from_page = bool(data.get(FROM_PAGE_FIELD))
        unsubscribe_contact(
            contact=recipient.contact,
            source=UnsubscribeSource.PREFERENCE_CENTRE if from_page else UnsubscribeSource.ONE_CLICK,
            message=recipient.message,
            ip_address=client_ip(request),
            text=all_marketing_wording(recipient.sender_name) if from_page else ONE_CLICK_TEXT,
            text_version=PREFERENCES_TEXT_VERSION if from_page else ONE_CLICK_TEXT_VERSION,
        )
    context = {
        "recipient": recipient,
        "token": token,
        "sender_name": recipient.sender_name,
        "email": recipient.masked_email,
    }
    return _public_page(request, "mail/public/unsubscribed.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """The preference centre's form: one box per subscription type and one for all marketing email."""
    recipient = recipient_from_token(token)
    if recipient is None:
        return _invalid_link(request)
    types = list(active_subscription_types())
    if request.method == "GET":
        return _public_page(
            request, "mail/public/unsubscribe.html", _page_context(recipient, token, subscription_types=types)
        )
    data = _read_post(request)
    if isinstance(data, HttpResponse):
        return data
    form = PreferencesForm(data, subscription_types=types)
    if not form.is_valid():
        context = _page_context(recipient, token, subscription_types=types, errors=True)
        return _public_page(request, "mail/public/unsubscribe.html", context, status=400)
    if recipient.contact is None:
        # The sample page: nothing to change.
        return HttpResponseRedirect(reverse("mail_public:unsubscribe", args=[token]) + "?saved=1")
    preferences_update(
        contact=recipient.contact,
        subscribed_types=form.chosen_types(),
        unsubscribe_all=form.cleaned_data["unsubscribe_all"],
        sender_name=recipient.sender_name,
        message=recipient.message,
        ip_address=client_ip(request),
    )
    return HttpResponseRedirect(reverse("mail_public:unsubscribe", args=[token]) + "?saved=1", status=303)
