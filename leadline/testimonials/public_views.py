"""What customers and website visitors reach without signing in: the collection page behind a signed
link, the page to confirm a team edit, the public wall, its embed script and JSON, and approved photos.

Decision on a second visit to a collection link: while the testimonial waits for approval the
customer sees a thank-you with their testimonial in the form, and may change it (or withdraw it);
once it is approved or rejected it can no longer be changed through the link, only withdrawn.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from leadline.core.forms import add_service_errors
from leadline.core.signing import BadToken, ExpiredToken
from leadline.testimonials import selectors, services
from leadline.testimonials.forms import CollectForm
from leadline.testimonials.links import read_collect_token, read_reconsent_token
from leadline.testimonials.models import Testimonial, TestimonialRequest

logger = logging.getLogger(__name__)

# Generous for a person, tight for a script: a customer posts a handful of times at most.
RATE_LIMITS = (("ip", 30, 600), ("link", 12, 600))
EMBED_SCRIPT = Path(settings.BASE_DIR) / "static" / "leadline" / "testimonials-embed.js"
PHOTO_CSP = "default-src 'none'; sandbox"
PUBLIC_CACHE = "public, max-age=60"
JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def client_ip(request: HttpRequest) -> str | None:
    try:
        return str(ipaddress.ip_address(str(request.META.get("REMOTE_ADDR") or "").strip()))
    except ValueError:
        return None


def _rate_limited(request: HttpRequest, link: str) -> bool:
    """Count posts per address and per link in the cache; True once either passes its limit."""
    names = {"ip": client_ip(request) or "unknown", "link": link[-40:]}
    limited = False
    for scope, limit, window in RATE_LIMITS:
        key = f"testimonials:rate:{scope}:{names[scope]}"
        if shared_cache.add(key, 1, timeout=window):
            continue
        try:
            count = shared_cache.incr(key)
        except ValueError:
            shared_cache.add(key, 1, timeout=window)
            continue
        limited = limited or count > limit
    return limited


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = render(request, f"testimonials/public/{template}", context, status=status)
    response["Cache-Control"] = "no-store"
    # The link carries a token: it may go to our own pages (CSRF needs the Origin) but never elsewhere.
    response["Referrer-Policy"] = "same-origin"
    return response


def _invalid(request: HttpRequest) -> HttpResponse:
    return _page(request, "invalid.html", {}, status=404)


def _expired(request: HttpRequest) -> HttpResponse:
    return _page(request, "expired.html", {}, status=410)


def _too_many(request: HttpRequest) -> HttpResponse:
    return _page(request, "too_many.html", {}, status=429)


# --- Collection -----------------------------------------------------------------------------------


def _initial(testimonial: Testimonial | None, contact: Any) -> dict[str, Any]:
    if testimonial is None:
        company = contact.company.name if contact.company_id and contact.company else ""
        return {"display_name": contact.full_name, "role": contact.job_title, "company": company}
    return {
        "rating": str(testimonial.rating),
        "text": testimonial.text,
        "display_name": testimonial.display_name,
        "role": testimonial.role,
        "company": testimonial.company,
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def collect(request: HttpRequest, token: str) -> HttpResponse:
    try:
        request_public_id = read_collect_token(token)
    except ExpiredToken:
        return _expired(request)
    except BadToken:
        return _invalid(request)
    testimonial_request = (
        TestimonialRequest.objects.select_related("contact__company")
        .filter(public_id=request_public_id)
        .first()
    )
    if testimonial_request is None:
        return _invalid(request)
    if not services.request_is_open(testimonial_request):
        return _expired(request)
    testimonial = Testimonial.objects.filter(request=testimonial_request).first()
    contact = testimonial_request.contact
    editable = testimonial is None or testimonial.status == Testimonial.Status.PENDING
    form = CollectForm(initial=_initial(testimonial, contact))

    if request.method == "POST":
        if _rate_limited(request, token):
            return _too_many(request)
        action = request.POST.get("action", "submit")
        if action == "withdraw":
            if testimonial is None:
                return redirect(request.path)
            services.testimonial_withdraw(testimonial=testimonial, ip_address=client_ip(request))
            return redirect(f"{request.path}?done=withdrawn")
        if not editable:
            return _page(request, "collect.html", _collect_context(testimonial_request, testimonial, form, False),
                         status=409)  # fmt: skip
        form = CollectForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                testimonial = services.testimonial_submit(
                    request=testimonial_request,
                    data=data,
                    consent=bool(data.get("consent")),
                    photo=data.get("photo"),
                    remove_photo=bool(data.get("remove_photo")),
                    ip_address=client_ip(request),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect(f"{request.path}?done=sent")
        return _page(request, "collect.html", _collect_context(testimonial_request, testimonial, form, editable),
                     status=400)  # fmt: skip

    context = _collect_context(testimonial_request, testimonial, form, editable)
    context["done"] = request.GET.get("done", "")[:20]
    return _page(request, "collect.html", context)


@never_cache
@require_GET
def collect_preview(request: HttpRequest) -> HttpResponse:
    """The collection page as a customer sees it, reached from a workflow test run's email: the form
    is shown with its button off, and nothing can be sent."""
    form = CollectForm(initial={"display_name": "Your name"})
    context = _collect_context(None, None, form, True)
    context["preview"] = True
    return _page(request, "collect.html", context)


def _collect_context(
    testimonial_request: TestimonialRequest | None,
    testimonial: Testimonial | None,
    form: CollectForm,
    editable: bool,
) -> dict[str, Any]:
    return {
        "request_obj": testimonial_request,
        "testimonial": testimonial,
        "form": form,
        "editable": editable,
        "consent_text": services.CONSENT_TEXT,
        "rating_values": [5, 4, 3, 2, 1],
        "chosen_rating": str(form["rating"].value() or ""),
        "text_max": services.TEXT_MAX_LENGTH,
    }


# --- Confirming a team edit -----------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def reconsent(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = read_reconsent_token(token)
    except ExpiredToken:
        return _expired(request)
    except BadToken:
        return _invalid(request)
    testimonial = (
        Testimonial.objects.select_related("contact").filter(public_id=link.testimonial_public_id).first()
    )
    if testimonial is None:
        return _invalid(request)
    current = testimonial.proposed and testimonial.proposal_version == link.version
    context: dict[str, Any] = {
        "testimonial": testimonial,
        "current": current,
        "rows": _proposal_rows(testimonial) if current else [],
        "reconsent_text": services.RECONSENT_TEXT,
        "done": request.GET.get("done", "")[:20],
        "errors": [],
    }
    if request.method == "POST":
        if _rate_limited(request, token):
            return _too_many(request)
        try:
            if request.POST.get("action") == "decline":
                services.testimonial_proposal_decline(testimonial=testimonial, version=link.version)
                return redirect(f"{request.path}?done=declined")
            services.testimonial_proposal_confirm(
                testimonial=testimonial,
                version=link.version,
                consent=request.POST.get("consent") == "on",
                ip_address=client_ip(request),
            )
            return redirect(f"{request.path}?done=confirmed")
        except ValidationError as error:
            context["errors"] = error.messages
            return _page(request, "reconsent.html", context, status=400)
    return _page(request, "reconsent.html", context)


def _proposal_rows(testimonial: Testimonial) -> list[dict[str, Any]]:
    return [
        {
            "label": services.FIELD_LABELS.get(field, field),
            "before": getattr(testimonial, field),
            "after": value,
            "is_rating": field == "rating",
        }
        for field, value in testimonial.proposed.items()
        if field in services.EDITABLE_FIELDS
    ]


# --- The wall, its embed and photos ---------------------------------------------------------------


@require_GET
def wall(request: HttpRequest, slug: str) -> HttpResponse:
    wall = selectors.public_wall_get(slug)
    items = selectors.wall_items(wall)
    context = {"wall": wall, "items": items, "summary": selectors.wall_summary(items)}
    response = render(request, "testimonials/public/wall.html", context)
    response["Cache-Control"] = PUBLIC_CACHE
    return response


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response["Access-Control-Max-Age"] = "3600"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def wall_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The wall's approved testimonials as JSON for the embed on other websites (CORS open: it is
    public data and no cookie is ever read)."""
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    wall = selectors.public_wall_get(slug)
    # <, > and & are written as \u escapes: the JSON stays inert even if something renders it as HTML.
    body = json.dumps(selectors.wall_payload(wall), ensure_ascii=True).translate(JSON_ESCAPES)
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = PUBLIC_CACHE
    return _cors(response)


@cache
def _embed_source() -> str:
    return EMBED_SCRIPT.read_text(encoding="utf-8")


@require_GET
def embed_js(request: HttpRequest, slug: str) -> HttpResponse:
    """The widget script. It is the same for every wall: it finds its JSON next to its own address."""
    selectors.public_wall_get(slug)
    response = HttpResponse(_embed_source(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return _cors(response)


@require_GET
def photo(request: HttpRequest, public_id: Any) -> FileResponse:
    """An approved testimonial's photo, always served as the image type found at upload."""
    testimonial = Testimonial.objects.approved().filter(public_id=public_id).exclude(photo="").first()
    if testimonial is None:
        raise Http404("No such photo")
    return photo_response(testimonial, public=True)


def photo_response(testimonial: Testimonial, *, public: bool) -> FileResponse:
    if testimonial.photo_type not in ("image/png", "image/jpeg"):
        raise Http404("No such photo")
    try:
        handle = testimonial.photo.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such photo") from None
    response = FileResponse(handle, content_type=testimonial.photo_type)
    response["Content-Security-Policy"] = PHOTO_CSP
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    if public:
        response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
