"""Home, health check, the in-app outbox and the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadline.core.access import parse_public_id
from leadline.core.decorators import admin_required
from leadline.core.pagination import paginate
from leadline.core.selectors import audit_list, health_report, outbox_list


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    ok, report = health_report()
    return JsonResponse({"status": "ok" if ok else "error", **report}, status=200 if ok else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Imported here: the home page gathers numbers from rooms above core.
    from leadline.activity.selectors import recent_activity
    from leadline.contacts.selectors import workspace_overview

    context = {
        "overview": workspace_overview(user=request.user),
        "recent": recent_activity(user=request.user, limit=10),
    }
    return render(request, "core/home.html", context)


@admin_required
def outbox(request: HttpRequest) -> HttpResponse:
    page = paginate(outbox_list(), request.GET)
    return render(request, "core/outbox.html", {"page": page})


@admin_required
def outbox_message(request: HttpRequest, public_id: str) -> HttpResponse:
    message = get_object_or_404(outbox_list(), public_id=parse_public_id(public_id))
    return render(request, "core/outbox_message.html", {"message": message})


@admin_required
def audit_log(request: HttpRequest) -> HttpResponse:
    page = paginate(audit_list(), request.GET)
    return render(request, "core/audit_log.html", {"page": page})
