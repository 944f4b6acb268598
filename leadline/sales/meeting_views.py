"""Screens of meetings for signed-in people: availability, meeting types, the list of booked
meetings with cancelling, and the meetings panel of the contact page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leadline.accounts.models import User
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.sales import meeting_selectors as selectors
from leadline.sales import meeting_services as services
from leadline.sales.meeting_forms import AvailabilityForm, CancelForm, MeetingTypeForm
from leadline.sales.models import Availability, Meeting, MeetingState, MeetingType
from leadline.sales.slots import WEEKDAYS, clean_time_zone


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _zone_of(user: User) -> str:
    """The zone a person reads times in: their profile's, else UTC."""
    try:
        return clean_time_zone(user.time_zone).key
    except ValueError:
        return "UTC"


# --- Availability ---------------------------------------------------------------------------------


def _availability_page(request: HttpRequest, person: User) -> HttpResponse:
    actor = _user(request)
    # Nothing is stored until the hours are saved: until then the person cannot be booked.
    stored = Availability.objects.filter(user=person).select_related("user").first()
    availability = stored or Availability(user=person, time_zone=_zone_of(person))
    form = AvailabilityForm(request.POST if request.method == "POST" else None, availability=availability)
    if request.method == "POST" and form.is_valid():
        try:
            services.availability_update(availability=availability, actor=actor, data=form.service_data())
        except ValidationError as error:
            _add_availability_errors(form, error)
        else:
            messages.success(request, "Availability saved.")
            return redirect(request.path)
    hosted = list(MeetingType.objects.filter(host=person).order_by("name"))
    context = {
        "form": form,
        "person": person,
        "own": person.pk == actor.pk,
        "hosted": hosted,
        "not_saved": stored is None,
        "tab": "availability",
    }
    return render(
        request, "sales/meetings/availability.html", context, status=400 if request.method == "POST" else 200
    )


def _add_availability_errors(form: AvailabilityForm, error: ValidationError) -> None:
    """Problems with the weekly hours name their day ("Monday: …"): show them on that day's field."""
    if not hasattr(error, "error_dict"):
        add_service_errors(form, error)
        return
    weekly = error.error_dict.pop("weekly_hours", [])
    if error.error_dict:
        add_service_errors(form, error)
    for item in weekly:
        for message in item.messages:
            day, _, rest = message.partition(": ")
            field = f"day_{WEEKDAYS.index(day)}" if day in WEEKDAYS and rest else None
            form.add_error(field, rest if field else message)


@login_required
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    return _availability_page(request, _user(request))


@login_required
@require_http_methods(["GET", "POST"])
def availability_person(request: HttpRequest, person_id: Any) -> HttpResponse:
    """An admin sets someone else's hours (everyone else reaches only their own)."""
    # People anyone but an admin may edit are themselves only: everyone else's hours answer 404.
    person = get_for_user(User.objects, _user(request), person_id, for_edit=True)
    return _availability_page(request, person)


# --- Meeting types --------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_type_list(request: HttpRequest) -> HttpResponse:
    meeting_types = list(selectors.meeting_type_list(user=_user(request)))
    rows = [(item, selectors.booking_page_url(item)) for item in meeting_types]
    return render(request, "sales/meetings/types.html", {"rows": rows, "tab": "types"})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_type_create(request: HttpRequest) -> HttpResponse:
    actor = _user(request)
    form = MeetingTypeForm(request.POST if request.method == "POST" else None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            meeting_type = services.meeting_type_create(actor=actor, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{meeting_type.name}” is ready to be booked.")
            return redirect("sales:meeting_type_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "sales/meetings/type_form.html", {"form": form, "tab": "types"}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_type_edit(request: HttpRequest, meeting_type_id: Any) -> HttpResponse:
    actor = _user(request)
    meeting_type = get_for_user(MeetingType.objects, actor, meeting_type_id)
    if not MeetingType.objects.for_user(actor, for_edit=True).filter(pk=meeting_type.pk).exists():
        raise PermissionDenied("Only the host or an admin can change this meeting type.")
    form = MeetingTypeForm(
        request.POST if request.method == "POST" else None, actor=actor, instance=meeting_type
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_type_update(meeting_type=meeting_type, actor=actor, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{meeting_type.name}” saved.")
            return redirect("sales:meeting_type_list")
    context = {
        "form": form,
        "meeting_type": meeting_type,
        "public_url": selectors.booking_page_url(meeting_type),
        "tab": "types",
    }
    return render(
        request, "sales/meetings/type_form.html", context, status=400 if request.method == "POST" else 200
    )


# --- Booked meetings ------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    host = None
    host_id = parse_public_id(request.GET.get("host"))
    if host_id is not None:
        host = User.objects.filter(public_id=host_id).first()
    page = paginate(selectors.meeting_list(user=user, when=when, host=host), request.GET)
    context = {
        "page": page,
        "when": when,
        "host": host,
        "hosts": selectors.hosts_for_filter(),
        "now": timezone.now(),
        "zone": _zone_of(user),
        "tab": "meetings",
    }
    return render(request, "sales/meetings/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request: HttpRequest, meeting_id: Any) -> HttpResponse:
    """GET asks for confirmation (with an optional reason); POST cancels and emails the guest."""
    actor = _user(request)
    meeting = get_for_user(
        Meeting.objects.select_related("meeting_type", "host", "contact"), actor, meeting_id
    )
    if not Meeting.objects.for_user(actor, for_edit=True).filter(pk=meeting.pk).exists():
        raise PermissionDenied("Only the host or an admin can cancel this meeting.")
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(meeting=meeting, actor=actor, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Cancelled; {meeting.guest_name} has been told by email.")
            return redirect("sales:meeting_list")
    context = {
        "meeting": meeting,
        "form": form,
        "is_cancelled": meeting.state == MeetingState.CANCELLED,
        "zone": _zone_of(actor),
        "tab": "meetings",
    }
    return render(
        request, "sales/meetings/cancel.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_GET
def contact_meetings(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The meetings of one contact, as a fragment the contact page loads."""
    user = _user(request)
    contact = get_for_user(Contact.objects, user, public_id)
    meetings = list(selectors.contact_meetings(user=user, contact=contact)[:20])
    return render(
        request,
        "sales/meetings/_contact_meetings.html",
        {"contact": contact, "meetings": meetings, "now": timezone.now(), "zone": _zone_of(user)},
    )
