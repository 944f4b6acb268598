"""The notifications screens: the inbox page, the unread badge of the top bar (an htmx fragment, so
pages do not pay for it), opening one (which marks it read) and marking one or all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from leadline.core.inbox import (
    notification_get,
    notification_list,
    notification_mark_read,
    notification_target,
    notifications_mark_all_read,
    notifications_unread_count,
)
from leadline.core.pagination import paginate


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page the form was on (the inbox by default), never to another site."""
    target = request.POST.get("next", "")
    if not (
        target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        target = reverse("core:notifications")
    return redirect(target)


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    show = "unread" if request.GET.get("show") == "unread" else "all"
    page = paginate(notification_list(user=request.user, unread_only=show == "unread"), request.GET)
    return render(
        request,
        "core/notifications.html",
        {"page": page, "show": show, "unread": notifications_unread_count(user=request.user)},
    )


@require_GET
@never_cache
def notifications_badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the bell. Signed out (a session that expired in an open tab): nothing
    to swap in, rather than the sign-in page."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    unread = notifications_unread_count(user=request.user)
    return render(request, "core/_notifications_count.html", {"unread": unread})


@login_required
@require_GET
def notification_open(request: HttpRequest, public_id: str) -> HttpResponse:
    notification = notification_get(user=request.user, public_id=public_id)
    notification_mark_read(notification=notification)
    return redirect(notification_target(notification) or reverse("core:notifications"))


@login_required
@require_POST
def notification_read(request: HttpRequest, public_id: str) -> HttpResponse:
    notification = notification_get(user=request.user, public_id=public_id)
    notification_mark_read(notification=notification)
    return _back(request)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    marked = notifications_mark_all_read(user=request.user)
    messages.success(request, f"Marked {marked} notification{'' if marked == 1 else 's'} as read.")
    return _back(request)
