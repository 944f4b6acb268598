"""The public, cookie-less tracking endpoints: `/t.js`, `/t/collect` and `/t/noop`.

They never render templates or touch sessions; `TrackingEndpointsMiddleware` answers them before
the session, authentication, CSRF and message layers run, since none of those apply to them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from leadline.tracking.bots import is_bot
from leadline.tracking.ingest import MAX_BODY_BYTES, CollectError, batch_write, parse_batch
from leadline.tracking.selectors import origin_allowed, origin_allowed_by_any_site, site_for_key

logger = logging.getLogger(__name__)

SNIPPET_PATH = Path(__file__).resolve().parent / "static" / "tracking" / "t.js"
SNIPPET_CACHE = "public, max-age=86400, stale-while-revalidate=604800"
PREFLIGHT_MAX_AGE = "86400"


def _snippet() -> tuple[bytes, str]:
    body = SNIPPET_PATH.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


_SNIPPET_BODY, _SNIPPET_ETAG = _snippet()


def snippet(request: HttpRequest) -> HttpResponse:
    """The tracking script: static, cacheable by browsers and proxies, the same for every site."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    headers = {
        "Cache-Control": SNIPPET_CACHE,
        "ETag": _SNIPPET_ETAG,
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("If-None-Match") == _SNIPPET_ETAG:
        return HttpResponse(status=304, headers=headers)
    return HttpResponse(_SNIPPET_BODY, content_type="application/javascript; charset=utf-8", headers=headers)


def _no_content(**headers: str) -> HttpResponse:
    response = HttpResponse(status=204, headers=headers)
    del response["Content-Type"]  # there is no content to have a type
    return response


def _error(message: str, status: int, origin: str = "") -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


def _request_origin(request: HttpRequest) -> str:
    """The Origin header, or the origin of the Referer when a browser sent none."""
    origin = request.headers.get("Origin", "")
    if origin:
        return origin
    referer = request.headers.get("Referer", "")
    if "://" in referer:
        scheme, rest = referer.split("://", 1)
        return f"{scheme}://{rest.split('/', 1)[0]}"
    return ""


def _preflight(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("Origin", "")
    if not origin_allowed_by_any_site(origin):
        return _error("This origin may not send events.", 403)
    return _no_content(
        **{
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            "Vary": "Origin",
        }
    )


def _tracking_refused(request: HttpRequest) -> bool:
    return request.headers.get("DNT") == "1" or request.headers.get("Sec-GPC") == "1"


@csrf_exempt
def collect(request: HttpRequest) -> HttpResponse:
    """Accept a batch of events from the snippet: validate, write, answer 204. See `ingest`."""
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method != "POST":
        return _error("Send events with POST.", 405)
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _error("Content-Length is not a number.", 400)
    if length > MAX_BODY_BYTES:
        return _error(f"The body is larger than {MAX_BODY_BYTES // 1024} KB.", 413)
    if is_bot(request.headers.get("User-Agent")):
        return _no_content()
    now = timezone.now()
    try:
        batch = parse_batch(request.body, now=now)
    except CollectError as error:
        return _error(error.message, error.status)
    except (TypeError, ValueError, OverflowError, RecursionError):
        # A shape of bad input the validation did not foresee: still the sender's fault, not ours.
        logger.warning("Unreadable tracking batch", exc_info=True)
        return _error("The body could not be read as a batch of events.", 400)
    site = site_for_key(batch.site_key)
    if site is None:
        return _error("Unknown site key.", 404)
    origin = _request_origin(request)
    if not origin_allowed(origin, site.allowed_domains):
        return _error("This origin is not one of the site's allowed domains.", 403)
    response = _no_content(**{"Access-Control-Allow-Origin": origin, "Vary": "Origin"})
    if site.respect_dnt and _tracking_refused(request):
        return response
    try:
        batch_write(site_id=site.id, batch=batch, now=now)
    except CollectError as error:
        return _error(error.message, error.status, origin)
    return response


@csrf_exempt
def noop(request: HttpRequest) -> HttpResponse:
    """Reads the body, does nothing with it and answers 204: the HTTP ceiling `leadline bench ingest`
    compares /t/collect with (same server, same middleware path, same bytes on the wire)."""
    if request.method != "POST":
        return _error("Send events with POST.", 405)
    try:
        if int(request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES:
            return _error(f"The body is larger than {MAX_BODY_BYTES // 1024} KB.", 413)
    except ValueError:
        return _error("Content-Length is not a number.", 400)
    request.body  # noqa: B018 - receiving the body is part of the work being measured
    return _no_content()


PUBLIC_ENDPOINTS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/t/collect": collect,
    "/t/noop": noop,
    "/t.js": snippet,
}


class TrackingEndpointsMiddleware:
    """Answers the public tracking endpoints straight away, skipping the layers after it.

    Placed after SecurityMiddleware, so those responses still get the security headers; the same
    views are also in the URLconf, so they work without this middleware, only slower.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = PUBLIC_ENDPOINTS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)
