"""The public booking pages: `/meet/<slug>` (free times in the visitor's time zone, and the booking
form), the confirmation page, and the signed cancel and reschedule links from the emails. Anyone may
use them; what they accept is checked again by the services."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods

from leadline.core.forms import add_service_errors
from leadline.sales import meeting_selectors as selectors
from leadline.sales import meeting_services as services
from leadline.sales.calendar_invites import invite_ics
from leadline.sales.meeting_forms import BookingForm, CancelForm, RescheduleForm, zone_choices
from leadline.sales.models import Meeting, MeetingState, MeetingType
from leadline.sales.slots import clean_time_zone, parse_start

CHECK_ANSWERS = "Please check the highlighted answers."
VISITOR_COOKIE = "_ll_vid"


def _zone(value: Any) -> ZoneInfo:
    try:
        return clean_time_zone(value)
    except ValueError:
        return ZoneInfo("UTC")


def _read_post(request: HttpRequest) -> Any:
    """The posted fields, or an HttpResponse explaining why the body could not be read."""
    try:
        return request.POST
    except RequestDataTooBig:
        return HttpResponse("The form data is too large.", status=413, content_type="text/plain")
    except (MultiPartParserError, TooManyFieldsSent):
        return HttpResponse("The form data could not be read.", status=400, content_type="text/plain")


def _picker(
    *,
    meeting_type: MeetingType,
    zone: ZoneInfo,
    selected: Any,
    hosts: Any = None,
    exclude: Meeting | None = None,
) -> dict[str, Any]:
    slots = selectors.open_slots(
        meeting_type=meeting_type, hosts=hosts, exclude=exclude, days=selectors.PUBLIC_DAYS
    )
    days = selectors.slots_by_day(slots, zone)
    chosen = parse_start(selected)
    selected_value = ""
    selected_day = days[0].key if days else ""
    for day in days:
        for choice in day.times:
            if chosen is not None and choice.start == chosen:
                selected_value, selected_day = choice.value, day.key
    return {
        "days": days,
        "zone": zone.key,
        "zones": zone_choices(),
        "selected_value": selected_value,
        "selected_day": selected_day,
    }


def _avatar_letter(meeting_type: MeetingType) -> str:
    name = (
        meeting_type.host.display_name
        if meeting_type.host
        else (meeting_type.team.name if meeting_type.team else "")
    )
    return (name or meeting_type.name)[:1].upper()


def _host_label(meeting_type: MeetingType) -> str:
    if meeting_type.host is not None:
        return meeting_type.host.display_name
    return f"The {meeting_type.team.name} team" if meeting_type.team is not None else ""


def _booking_page(
    request: HttpRequest, meeting_type: MeetingType, form: BookingForm, zone: ZoneInfo, *, status: int = 200,
    message: str = "", visitor: str = "",
) -> HttpResponse:  # fmt: skip
    context = {
        "meeting_type": meeting_type,
        "host_label": _host_label(meeting_type),
        "avatar_letter": _avatar_letter(meeting_type),
        "form": form,
        "message": message,
        "visitor": visitor,
        "page_url": request.build_absolute_uri()[:2000],
        **_picker(
            meeting_type=meeting_type, zone=zone, selected=form.data.get("start") if form.is_bound else ""
        ),
    }
    return render(request, "sales/booking/page.html", context, status=status)


@require_GET
def booking_index(request: HttpRequest) -> HttpResponse:
    """Every open booking page: where a booking link leads when no particular meeting is chosen."""
    meeting_types = [(item, _host_label(item)) for item in selectors.public_meeting_types()]
    return render(request, "sales/booking/index.html", {"meeting_types": meeting_types})


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def booking_page(request: HttpRequest, slug: str) -> HttpResponse:
    meeting_type = selectors.public_meeting_type(slug=slug)
    if request.method == "GET":
        visitor = (request.GET.get("ll_vid") or request.COOKIES.get(VISITOR_COOKIE) or "")[:64]
        return _booking_page(
            request, meeting_type, BookingForm(), _zone(request.GET.get("tz")), visitor=visitor
        )
    data = _read_post(request)
    if isinstance(data, HttpResponse):
        return data
    form = BookingForm(data)
    zone = _zone(data.get("time_zone"))
    visitor = str(data.get("ll_visitor", ""))[:64]
    if data.get("website"):
        return _booking_page(
            request,
            meeting_type,
            form,
            zone,
            status=400,
            message="Your booking could not be sent.",
            visitor=visitor,
        )
    if form.is_valid():
        try:
            meeting = services.meeting_book(
                meeting_type=meeting_type,
                start=form.cleaned_data["start"],
                data={**form.cleaned_data, "time_zone": zone.key},
                visitor_id=visitor or None,
                page_url=str(data.get("ll_page", ""))[:2000],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            token = selectors.meeting_token(meeting, selectors.BOOKED_PURPOSE)
            return HttpResponseRedirect(reverse("sales:booking_done", args=[token]), status=303)
    return _booking_page(
        request, meeting_type, form, zone, status=400, message=CHECK_ANSWERS, visitor=visitor
    )


# --- Pages behind signed links --------------------------------------------------------------------


def _link_invalid(request: HttpRequest, error: selectors.LinkInvalid) -> HttpResponse:
    status = 410 if error.expired else 400
    return render(request, "sales/booking/link_invalid.html", {"reason": str(error)}, status=status)


def _meeting_context(meeting: Meeting, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "meeting_type": meeting.meeting_type,
        "zone": zone.key,
        "zone_label": zone.key.replace("_", " "),
        "is_cancelled": meeting.state == MeetingState.CANCELLED,
        "is_over": meeting.ends_at <= timezone.now(),
    }


@require_GET
def booking_done(request: HttpRequest, token: str) -> HttpResponse:
    try:
        meeting = selectors.meeting_from_link(token, purpose=selectors.BOOKED_PURPOSE)
    except selectors.LinkInvalid as error:
        return _link_invalid(request, error)
    context = _meeting_context(meeting, _zone(meeting.guest_time_zone))
    context.update(
        token=token,
        moved=request.GET.get("moved") == "1",
        cancel_url=reverse(
            "sales:booking_cancel", args=[selectors.meeting_token(meeting, selectors.CANCEL_PURPOSE)]
        ),
        reschedule_url=reverse(
            "sales:booking_reschedule", args=[selectors.meeting_token(meeting, selectors.RESCHEDULE_PURPOSE)]
        ),
    )
    return render(request, "sales/booking/booked.html", context)


@require_GET
def booking_invite(request: HttpRequest, token: str) -> HttpResponse:
    """The invite as a download ("add to calendar") from the confirmation page."""
    try:
        meeting = selectors.meeting_from_link(token, purpose=selectors.BOOKED_PURPOSE)
    except selectors.LinkInvalid as error:
        return _link_invalid(request, error)
    body = invite_ics(
        meeting=meeting,
        reschedule_url=selectors.meeting_link(meeting, selectors.RESCHEDULE_PURPOSE),
        cancel_url=selectors.meeting_link(meeting, selectors.CANCEL_PURPOSE),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invite.ics"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def booking_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST it sends cancels, so mail scanners that open links do not."""
    try:
        meeting = selectors.meeting_from_link(token, purpose=selectors.CANCEL_PURPOSE)
    except selectors.LinkInvalid as error:
        return _link_invalid(request, error)
    context = _meeting_context(meeting, _zone(meeting.guest_time_zone))
    context["book_again_url"] = reverse("sales:booking_page", args=[meeting.meeting_type.slug])
    if request.method == "GET":
        return render(request, "sales/booking/cancel.html", {**context, "form": CancelForm()})
    data = _read_post(request)
    if isinstance(data, HttpResponse):
        return data
    form = CancelForm(data)
    if form.is_valid():
        try:
            meeting = services.meeting_cancel(meeting=meeting, actor=None, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            context.update(_meeting_context(meeting, _zone(meeting.guest_time_zone)))
            return render(request, "sales/booking/cancelled.html", context)
    return render(request, "sales/booking/cancel.html", {**context, "form": form}, status=400)


@require_http_methods(["GET", "POST"])
def booking_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    try:
        meeting = selectors.meeting_from_link(token, purpose=selectors.RESCHEDULE_PURPOSE)
    except selectors.LinkInvalid as error:
        return _link_invalid(request, error)
    if request.method == "GET":
        form = RescheduleForm()
        zone = _zone(request.GET.get("tz") or meeting.guest_time_zone)
        status = 200
    else:
        data = _read_post(request)
        if isinstance(data, HttpResponse):
            return data
        form = RescheduleForm(data)
        zone = _zone(data.get("time_zone"))
        if form.is_valid():
            try:
                meeting = services.meeting_reschedule(meeting=meeting, start=form.cleaned_data["start"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                token = selectors.meeting_token(meeting, selectors.BOOKED_PURPOSE)
                return HttpResponseRedirect(
                    reverse("sales:booking_done", args=[token]) + "?moved=1", status=303
                )
        status = 400
    context = _meeting_context(meeting, zone)
    hosts = [meeting.host] if hasattr(meeting.host, "availability") else []
    context.update(
        form=form,
        token=token,
        message=CHECK_ANSWERS if status == 400 else "",
        **_picker(
            meeting_type=meeting.meeting_type,
            zone=zone,
            selected=form.data.get("start") if form.is_bound else "",
            hosts=hosts,
            exclude=meeting,
        ),
    )
    return render(request, "sales/booking/reschedule.html", context, status=status)
