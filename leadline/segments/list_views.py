"""Static lists from the contact screens: the "Lists" panel of a contact page (an htmx fragment with
an "Add to list" control), and "Add to list" among the bulk actions of the contacts list.

The contacts room knows nothing of lists: its pages load these fragments, and the bulk bar's
"Add" button posts the same selection (ids, or "all matching" with the list's query) here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts.selectors import active_users
from leadline.contacts.forms import ContactFilterForm
from leadline.contacts.models import Contact
from leadline.contacts.selectors import company_choices, contact_search
from leadline.core.access import get_for_user, parse_public_id
from leadline.core.decorators import role_required
from leadline.segments.models import Segment
from leadline.segments.selectors import contact_segments, static_lists
from leadline.segments.services import static_list_add, static_list_for_name, static_list_remove

MAX_SELECTED = 1000  # ids posted one by one; "all matching" has no such limit


def _can_edit(user: Any) -> bool:
    return bool(user.is_admin or user.is_marketing)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _panel(request: HttpRequest, contact: Contact, *, error: str = "", notice: str = "") -> HttpResponse:
    memberships = contact_segments(contact=contact)
    can_edit = _can_edit(request.user)
    in_lists = [segment for segment in memberships if segment.is_static]
    context = {
        "contact": contact,
        "lists": in_lists,
        "segments": [segment for segment in memberships if not segment.is_static],
        "can_edit": can_edit,
        "other_lists": static_lists().exclude(pk__in=[segment.pk for segment in in_lists])
        if can_edit
        else [],
        "error": error,
        "notice": notice,
    }
    return render(request, "segments/_contact_lists.html", context, status=400 if error else 200)


def _chosen_list(request: HttpRequest) -> Segment:
    """The list picked in a select (`list`: a public id) or typed as a new name (`new_list`)."""
    new_name = request.POST.get("new_list", "")[:300].strip()
    if new_name:
        return static_list_for_name(user=request.user, name=new_name)  # type: ignore[arg-type]
    public_id = parse_public_id(request.POST.get("list", ""))
    editable = Segment.objects.for_user(request.user, for_edit=True)
    segment = editable.filter(public_id=public_id).first() if public_id is not None else None
    if segment is None:
        raise ValidationError({"list": "Choose a list, or type the name of a new one."})
    if not segment.is_static:
        raise ValidationError({"list": "That is a dynamic segment; its members follow its conditions."})
    return segment


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_GET
@login_required
def contact_lists_view(request: HttpRequest, contact_id: Any) -> HttpResponse:
    """The lists and segments a contact is in (everyone who can see the contact may look)."""
    contact = get_for_user(Contact.objects.all(), request.user, contact_id)
    return _panel(request, contact)


@require_POST
@role_required("marketing")
def contact_list_add_view(request: HttpRequest, contact_id: Any) -> HttpResponse:
    contact = get_for_user(Contact.objects.all(), request.user, contact_id)
    try:
        segment = _chosen_list(request)
        added = static_list_add(segment=segment, contact_ids=[contact.pk])
    except ValidationError as error:
        if _is_htmx(request):
            return _panel(request, contact, error=_message(error))
        messages.error(request, _message(error))
        return redirect("contacts:detail", public_id=contact.public_id)
    notice = f"Added to “{segment.name}”." if added else f"Already in “{segment.name}”."
    if _is_htmx(request):
        return _panel(request, contact, notice=notice)
    messages.success(request, notice)
    return redirect("contacts:detail", public_id=contact.public_id)


@require_POST
@role_required("marketing")
def contact_list_remove_view(request: HttpRequest, contact_id: Any, public_id: Any) -> HttpResponse:
    contact = get_for_user(Contact.objects.all(), request.user, contact_id)
    segment = get_for_user(Segment.objects.all(), request.user, public_id, for_edit=True)
    try:
        static_list_remove(segment=segment, contact_ids=[contact.pk])
    except ValidationError as error:
        if _is_htmx(request):
            return _panel(request, contact, error=_message(error))
        messages.error(request, _message(error))
        return redirect("contacts:detail", public_id=contact.public_id)
    notice = f"Removed from “{segment.name}”."
    if _is_htmx(request):
        return _panel(request, contact, notice=notice)
    messages.success(request, notice)
    return redirect("contacts:detail", public_id=contact.public_id)


@require_GET
@login_required
def bulk_picker_view(request: HttpRequest) -> HttpResponse:
    """The "Add to list" group of the contacts bulk bar; nothing for people who cannot add."""
    if not _can_edit(request.user):
        return HttpResponse("")
    return render(request, "segments/_bulk_lists.html", {"lists": static_lists()})


def _selected_contacts(request: HttpRequest) -> Any:
    """The contacts the bulk bar means, as the user may see them: the ticked ones, or every contact
    matching the list's filters ("all matching")."""
    if request.POST.get("all_matching"):
        query = QueryDict(request.POST.get("query", "")[:4000])
        filters = ContactFilterForm(
            query, owners=list(active_users()), companies=list(company_choices(user=request.user))
        ).filters()
        return contact_search(user=request.user, filters=filters).order_by().values_list("id", flat=True)
    raw = request.POST.getlist("ids")[:MAX_SELECTED]
    public_ids = [public_id for public_id in map(parse_public_id, raw) if public_id is not None]
    return (
        Contact.objects.for_user(request.user).filter(public_id__in=public_ids).values_list("id", flat=True)
    )


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("contacts:list")


@require_POST
@role_required("marketing")
def bulk_add_view(request: HttpRequest) -> HttpResponse:
    back = _back(request)
    contact_ids = list(_selected_contacts(request))
    if not contact_ids:
        messages.warning(request, "Select the contacts to add first.")
        return redirect(back)
    try:
        segment = _chosen_list(request)
        added = static_list_add(segment=segment, contact_ids=contact_ids)
    except ValidationError as error:
        messages.error(request, _message(error))
        return redirect(back)
    already = len(contact_ids) - added
    note = f" ({already} already there)" if already else ""
    messages.success(request, f"Added {added} contact{'s' if added != 1 else ''} to “{segment.name}”{note}.")
    return redirect(back)
