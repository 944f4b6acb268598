"""Timeline partials (load more, filters) and notes: add, edit and delete, with or without htmx."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.activity import services
from leadline.activity.models import Activity
from leadline.activity.selectors import (
    InvalidCursor,
    TimelinePage,
    company_timeline,
    contact_timeline,
    note_get_for_edit,
    timeline_filter_key,
)
from leadline.activity.templatetags.activity_tags import timeline_context
from leadline.contacts.models import Company, Contact
from leadline.core.access import get_for_user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _error_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(message for messages_ in error.message_dict.values() for message in messages_)
    return " ".join(error.messages)


def _render_timeline(
    request: HttpRequest, page: TimelinePage, *, timeline_url: str, **subject: Any
) -> HttpResponse:
    context = timeline_context(request=request, page=page, timeline_url=timeline_url, **subject)
    if request.GET.get("before"):
        context["is_next_page"] = True
        return render(request, "activity/_timeline_items.html", context)
    return render(request, "activity/_timeline.html", context)


@require_GET
@login_required
def timeline(request: HttpRequest, public_id: Any) -> HttpResponse:
    contact = get_for_user(Contact.objects.select_related("company"), request.user, public_id)
    try:
        page = contact_timeline(
            contact=contact,
            user=request.user,
            kind_filter=timeline_filter_key(request.GET.get("kind")),
            before=request.GET.get("before") or None,
        )
    except InvalidCursor as error:
        return HttpResponseBadRequest(str(error))
    return _render_timeline(
        request, page, timeline_url=reverse("activity:timeline", args=[contact.public_id]), contact=contact
    )


@require_GET
@login_required
def company_timeline_page(request: HttpRequest, public_id: Any) -> HttpResponse:
    company = get_for_user(Company.objects.all(), request.user, public_id)
    try:
        page = company_timeline(
            company=company,
            user=request.user,
            kind_filter=timeline_filter_key(request.GET.get("kind")),
            before=request.GET.get("before") or None,
        )
    except InvalidCursor as error:
        return HttpResponseBadRequest(str(error))
    return _render_timeline(
        request,
        page,
        timeline_url=reverse("activity:company_timeline", args=[company.public_id]),
        company=company,
    )


def _item_context(request: HttpRequest, item: Activity, **extra: Any) -> dict[str, Any]:
    return {"item": item, "user": request.user, "show_contact": False, "property_labels": {}, **extra}


@require_POST
@login_required
def note_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    contact = get_for_user(Contact.objects.all(), request.user, public_id, for_edit=True)
    body = request.POST.get("body", "")
    try:
        note = services.note_add(contact=contact, author=request.user, body=body)
    except ValidationError as error:
        if not _is_htmx(request):
            messages.error(request, _error_message(error))
            return redirect("contacts:detail", public_id=contact.public_id)
        context = {"contact": contact, "note_body": body, "note_error": _error_message(error)}
        return render(request, "activity/_note_composer.html", context)
    if not _is_htmx(request):
        messages.success(request, "Note added.")
        return redirect("contacts:detail", public_id=contact.public_id)
    context = _item_context(request, note, contact=contact)
    return render(request, "activity/_note_added.html", context)


@require_GET
@login_required
def note_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    """One note as a timeline entry (what "cancel" on the inline editor puts back)."""
    item = get_for_user(Activity.objects.select_related("actor", "contact"), request.user, public_id)
    if not _is_htmx(request):
        return (
            redirect("contacts:detail", public_id=item.contact.public_id) if item.contact else redirect("/")
        )
    return render(request, "activity/_item.html", _item_context(request, item))


@require_http_methods(["GET", "POST"])
@login_required
def note_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    item = note_get_for_edit(user=request.user, public_id=public_id)
    template = "activity/_note_edit.html" if _is_htmx(request) else "activity/note_edit.html"
    if request.method == "GET":
        return render(request, template, _item_context(request, item, note_body=item.data.get("body", "")))
    body = request.POST.get("body", "")
    contact = item.contact
    try:
        item = services.note_update(note=item, body=body, actor=request.user)
    except ValidationError as error:
        context = _item_context(request, item, note_body=body, note_error=_error_message(error))
        return render(request, template, context, status=200 if _is_htmx(request) else 400)
    if not _is_htmx(request):
        messages.success(request, "Note saved.")
        return redirect("contacts:detail", public_id=contact.public_id) if contact else redirect("core:home")
    return render(request, "activity/_item.html", _item_context(request, item))


@require_POST
@login_required
def note_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    item = note_get_for_edit(user=request.user, public_id=public_id)
    contact = item.contact
    services.note_delete(note=item, actor=request.user)
    if _is_htmx(request):
        return HttpResponse("")
    messages.success(request, "Note deleted.")
    return redirect("contacts:detail", public_id=contact.public_id) if contact else redirect("core:home")
