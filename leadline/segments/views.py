"""Segment screens: the list, the builder with a live count, and the members.

Everyone signed in may look (sales see only the members they can see anywhere); admins and marketing
build. The builder keeps the tree in one JSON field that segments.js edits as rows and groups; the
live count is an htmx POST of the same form to `segment_preview`.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts.selectors import active_users
from leadline.core.access import get_for_user
from leadline.core.decorators import role_required
from leadline.core.pagination import paginate
from leadline.segments.compiler import MAX_CONDITIONS, SegmentError
from leadline.segments.models import Segment
from leadline.segments.selectors import sales_choices, segment_fields, segment_list, segment_members
from leadline.segments.services import (
    segment_create,
    segment_delete,
    segment_preview,
    segment_rebuild,
    segment_update,
    static_list_remove,
)

MAX_DEFINITION_BYTES = 200_000


def _can_edit(user: Any) -> bool:
    return bool(user.is_admin or user.is_marketing)


def _parse_definition(raw: str) -> Any:
    if len(raw) > MAX_DEFINITION_BYTES:
        raise SegmentError("definition", "the conditions are too large")
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise SegmentError("definition", "the conditions could not be read (not valid JSON)") from None


def _builder_context(request: HttpRequest, segment: Segment | None, data: dict[str, Any]) -> dict[str, Any]:
    users = active_users().order_by("first_name", "last_name", "email")
    others = Segment.objects.for_user(request.user).order_by("name")
    if segment is not None:
        others = others.exclude(pk=segment.pk)
    catalogue = {
        "fields": segment_fields(),
        "owners": [{"value": str(user.public_id), "label": user.display_name} for user in users],
        "segments": [{"value": str(other.public_id), "label": other.name} for other in others],
        **sales_choices(),
        "max_conditions": MAX_CONDITIONS,
    }
    return {"segment": segment, "data": data, "catalogue": catalogue, "kinds": Segment.Kind.choices}


def _render_builder(
    request: HttpRequest,
    segment: Segment | None,
    data: dict[str, Any],
    *,
    errors: dict[str, str],
    status: int,
) -> HttpResponse:
    context = {**_builder_context(request, segment, data), "errors": errors}
    return render(request, "segments/builder.html", context, status=status)


def _form_data(request: HttpRequest, segment: Segment | None) -> dict[str, Any]:
    if request.method == "POST":
        return {
            "name": request.POST.get("name", "")[:300],
            "description": request.POST.get("description", "")[:600],
            "kind": request.POST.get("kind", Segment.Kind.DYNAMIC) if segment is None else segment.kind,
            "definition": request.POST.get("definition", "")[: MAX_DEFINITION_BYTES + 1],
        }
    if segment is None:
        return {"name": "", "description": "", "kind": Segment.Kind.DYNAMIC, "definition": ""}
    return {
        "name": segment.name,
        "description": segment.description,
        "kind": segment.kind,
        "definition": json.dumps(segment.definition) if segment.definition else "",
    }


def _save(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    data = _form_data(request, segment)
    if request.method != "POST":
        return _render_builder(request, segment, data, errors={}, status=200)
    errors: dict[str, str] = {}
    try:
        definition = _parse_definition(data["definition"]) if data["kind"] == Segment.Kind.DYNAMIC else {}
        if segment is None:
            segment = segment_create(
                user=request.user,  # type: ignore[arg-type]
                name=data["name"],
                description=data["description"],
                kind=data["kind"],
                definition=definition,
            )
            messages.success(request, f"“{segment.name}” was created with {segment.member_count} members.")
        else:
            segment_update(
                segment=segment,
                name=data["name"],
                description=data["description"],
                definition=None if segment.is_static else definition,
            )
            messages.success(request, f"“{segment.name}” was saved.")
    except SegmentError as error:
        errors["definition"] = str(error)
    except ValidationError as error:
        for name, messages_ in getattr(error, "message_dict", {"__all__": error.messages}).items():
            errors[name] = " ".join(messages_)
    if errors:
        return _render_builder(request, segment, data, errors=errors, status=400)
    assert segment is not None
    return redirect("segments:detail", public_id=segment.public_id)


@require_GET
@login_required
def segment_list_view(request: HttpRequest) -> HttpResponse:
    page = paginate(segment_list(user=request.user), request.GET)  # type: ignore[arg-type]
    return render(request, "segments/list.html", {"page": page, "can_edit": _can_edit(request.user)})


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def segment_create_view(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def segment_edit_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    segment = get_for_user(Segment.objects.all(), request.user, public_id, for_edit=True)
    return _save(request, segment)


@require_GET
@login_required
def segment_detail_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    segment = get_for_user(Segment.objects.all(), request.user, public_id)
    members = segment_members(user=request.user, segment=segment)  # type: ignore[arg-type]
    page = paginate(members.order_by("-created_at", "-id"), request.GET)
    context = {
        "segment": segment,
        "page": page,
        "can_edit": _can_edit(request.user),
        "definition": json.dumps(segment.definition, indent=2) if segment.definition else "",
    }
    return render(request, "segments/detail.html", context)


@require_POST
@role_required("marketing")
def segment_preview_view(request: HttpRequest) -> HttpResponse:
    """The live count of the builder: always 200 so htmx swaps in the count or the problem."""
    context: dict[str, Any] = {}
    try:
        definition = _parse_definition(request.POST.get("definition", "")[: MAX_DEFINITION_BYTES + 1])
        if definition:
            context["count"] = segment_preview(user=request.user, definition=definition)  # type: ignore[arg-type]
        else:
            context["empty"] = True
    except SegmentError as error:
        context["error"] = str(error)
    return render(request, "segments/_count.html", context)


@require_POST
@role_required("marketing")
def segment_rebuild_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    segment = get_for_user(Segment.objects.all(), request.user, public_id, for_edit=True)
    try:
        result = segment_rebuild(segment=segment)
    except SegmentError as error:
        messages.error(request, f"The segment could not be rebuilt: {error}")
    else:
        messages.success(
            request, f"Rebuilt: {result.entered} entered, {result.left} left, {result.member_count} members."
        )
    return redirect("segments:detail", public_id=segment.public_id)


@require_POST
@role_required("marketing")
def segment_delete_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    segment = get_for_user(Segment.objects.all(), request.user, public_id, for_edit=True)
    name = segment.name
    try:
        segment_delete(segment=segment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("segments:detail", public_id=segment.public_id)
    messages.success(request, f"“{name}” was deleted.")
    return redirect("segments:list")


@require_POST
@role_required("marketing")
def segment_member_remove_view(request: HttpRequest, public_id: Any, contact_id: Any) -> HttpResponse:
    from leadline.contacts.models import Contact

    segment = get_for_user(Segment.objects.all(), request.user, public_id, for_edit=True)
    contact = get_for_user(Contact.objects.all(), request.user, contact_id)
    try:
        static_list_remove(segment=segment, contact_ids=[contact.pk])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{contact.display_name} was removed from “{segment.name}”.")
    return redirect("segments:detail", public_id=segment.public_id)
