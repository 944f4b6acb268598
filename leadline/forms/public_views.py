"""The public side of forms: the hosted page `/f/<slug>`, the embed script and its submit endpoint,
and the opt-in confirmation link. Anyone may use them; what they accept is checked in the services.

The hosted page is an ordinary same-origin form protected by Django's CSRF token. The embed posts
from another website, so it cannot carry that token: its endpoint is CSRF-exempt and instead only
answers pages on the site's allowed domains (the Origin header) carrying a signed render token.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from leadline.core.middleware import CONTENT_SECURITY_POLICY
from leadline.forms.models import UTM_FIELDS, Form
from leadline.forms.rendering import embed_config, public_fields
from leadline.forms.selectors import contact_properties, form_fields, public_form_get
from leadline.forms.services import ConfirmationInvalid, confirmation_read, form_consent_confirm, form_submit
from leadline.forms.sites import origin_allowed, redirect_allowed
from leadline.forms.spam import (
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    FormTokenInvalid,
    SubmissionRefused,
    client_ip,
    render_token_make,
)
from leadline.forms.validation import CONSENT_FIELD

logger = logging.getLogger(__name__)

CHECK_ANSWERS = "Please check the highlighted answers."
# The embed is drawn on other websites: its script may be cached by nobody, as it carries a token.
NO_STORE = "no-store, max-age=0"


def _error_list(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {key: [str(message) for message in messages] for key, messages in error.message_dict.items()}
    return {"__all__": [str(message) for message in error.messages]}


def _hosted_context(
    request: HttpRequest, form: Form, *, values: Any = None, errors: dict[str, list[str]] | None = None,
    message: str = "",
) -> dict[str, Any]:  # fmt: skip
    errors = errors or {}
    fields = public_fields(
        fields=form_fields(form=form), properties=contact_properties(), values=values, errors=errors
    )
    source = values if values is not None else request.GET
    if values is None:
        meta = {
            "ll_page": request.build_absolute_uri(),
            "ll_referrer": request.headers.get("Referer", "")[:2000],
            "ll_visitor": request.GET.get("ll_vid", "")[:64],
        }
    else:
        meta = {name: str(values.get(name, ""))[:2000] for name in ("ll_page", "ll_referrer", "ll_visitor")}
    return {
        "form": form,
        "fields": fields,
        "token": render_token_make(form),
        "token_field": TOKEN_FIELD,
        "honeypot_field": HONEYPOT_FIELD,
        "meta": meta,
        "utm": [(name, str(source.get(name, ""))[:200]) for name in UTM_FIELDS],
        "consent_checked": bool(values is not None and values.get(CONSENT_FIELD)),
        "consent_errors": errors.get(CONSENT_FIELD, []),
        "form_errors": errors.get("__all__", []),
        "has_errors": bool(errors),
        "message": message,
        "error_summary": [(item, item.errors[0]) for item in fields if item.errors],
    }


def _read_post(request: HttpRequest) -> Any:
    """The posted fields, or an HttpResponse explaining why the body could not be read."""
    try:
        return request.POST
    except RequestDataTooBig:
        return HttpResponse("The form data is too large.", status=413, content_type="text/plain")
    except (MultiPartParserError, TooManyFieldsSent):
        return HttpResponse("The form data could not be read.", status=400, content_type="text/plain")


def _hosted_page(
    request: HttpRequest, form: Form, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, "forms/public/hosted.html", context, status=status)
    if form.redirect_url and redirect_allowed(form.site, form.redirect_url):
        # Browsers hold the redirect after a form post to the page's form-action policy too.
        target = urlsplit(form.redirect_url)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {target.scheme}://{target.netloc}"
        )
    return response


@require_http_methods(["GET", "POST"])
def hosted(request: HttpRequest, slug: str) -> HttpResponse:
    form = public_form_get(slug=slug)
    if request.method == "GET":
        return _hosted_page(request, form, _hosted_context(request, form))
    data = _read_post(request)
    if isinstance(data, HttpResponse):
        return data
    try:
        form_submit(
            form=form,
            data=data,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            channel="hosted",
        )
    except ValidationError as error:
        context = _hosted_context(
            request, form, values=data, errors=_error_list(error), message=CHECK_ANSWERS
        )
        return render(request, "forms/public/hosted.html", context, status=400)
    except SubmissionRefused as refusal:
        context = _hosted_context(request, form, values=data, message=refusal.message)
        return render(request, "forms/public/hosted.html", context, status=refusal.status)
    if form.redirect_url and redirect_allowed(form.site, form.redirect_url):
        return HttpResponseRedirect(form.redirect_url, status=303)
    return render(request, "forms/public/thanks.html", {"form": form})


# --- Embed ----------------------------------------------------------------------------------------


def _json_for_script(value: Any) -> str:
    """JSON that is also safe inside a script: no way to close a tag or break the line."""
    text = json.dumps(value, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@require_http_methods(["GET"])
def embed_js(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        form = public_form_get(slug=slug)
    except Http404:
        body = f"console.warn({_json_for_script('Leadline: there is no form ' + repr(str(slug)[:80]))});"
        response = HttpResponse(body, status=404, content_type="text/javascript; charset=utf-8")
        response["Cache-Control"] = NO_STORE
        return response
    fields = public_fields(fields=form_fields(form=form), properties=contact_properties())
    endpoint = request.build_absolute_uri(reverse("forms_public:embed_submit", args=[form.slug]))
    config = embed_config(form=form, fields=fields, endpoint=endpoint, token=render_token_make(form))
    response = render(
        request,
        "forms/embed.js",
        {"config": _json_for_script(config)},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _json(body: dict[str, Any], status: int, origin: str | None) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = NO_STORE
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


def _embed_data(request: HttpRequest) -> Any:
    """The posted answers as a mapping, or (status, message) when the body cannot be used."""
    content_type = request.content_type or ""
    if content_type == "application/json":
        try:
            body = request.body
        except RequestDataTooBig:
            return 413, "The form data is too large."
        try:
            data = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            return 400, "The form data is not valid JSON."
        if not isinstance(data, dict):
            return 400, "The form data must be a JSON object of answers."
        return data
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data = _read_post(request)
        if isinstance(data, HttpResponse):
            return data.status_code, data.content.decode()
        return data
    return 415, "Send the form as application/x-www-form-urlencoded or JSON."


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def embed_submit(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        form = public_form_get(slug=slug)
    except Http404:
        return _json({"ok": False, "message": "This form does not exist."}, 404, None)
    origin = request.headers.get("Origin", "")
    if not origin_allowed(form.site, origin):
        logger.info("Form %r: refused an embed post from origin %r", form.slug, origin[:200])
        return _json({"ok": False, "message": "This form cannot be sent from this website."}, 403, None)
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
        response["Vary"] = "Origin"
        return response
    data = _embed_data(request)
    if isinstance(data, tuple):
        return _json({"ok": False, "message": data[1]}, data[0], origin)
    try:
        form_submit(
            form=form,
            data=data,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            channel="embed",
        )
    except ValidationError as error:
        return _json({"ok": False, "message": CHECK_ANSWERS, "errors": _error_list(error)}, 400, origin)
    except FormTokenInvalid as refusal:
        # A fresh token lets the embed send the same answers again without reloading the page.
        body = {"ok": False, "message": refusal.message, "token": render_token_make(form)}
        return _json(body, refusal.status, origin)
    except SubmissionRefused as refusal:
        return _json({"ok": False, "message": refusal.message}, refusal.status, origin)
    redirect = (
        form.redirect_url if form.redirect_url and redirect_allowed(form.site, form.redirect_url) else None
    )
    return _json({"ok": True, "message": form.thank_you_message, "redirect": redirect}, 200, origin)


# --- Confirmed opt-in -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST it sends confirms, so mail scanners that open links do not."""
    try:
        submission = confirmation_read(token)
    except ConfirmationInvalid:
        return render(request, "forms/public/confirm_invalid.html", status=400)
    if request.method == "GET":
        return render(request, "forms/public/confirm.html", {"form": submission.form, "token": token})
    try:
        outcome = form_consent_confirm(token=token, ip_address=client_ip(request))
    except ConfirmationInvalid:
        return render(request, "forms/public/confirm_invalid.html", status=400)
    return render(
        request,
        "forms/public/confirmed.html",
        {"form": outcome.form, "already": outcome.already_confirmed, "base_url": settings.BASE_URL},
    )
