"""The emails of a meeting — confirmation, new time, cancellation, reminder — to the guest, with a
copy to the host, each carrying the iCalendar invite as it stands.

Each email is a `core.Job` with a key made of the meeting, the event, the recipient and the
invite's SEQUENCE: scheduled in the booking's transaction, it exists once however often that is
retried, and a failed send is retried with backoff by the job machinery. Right after commit the
job is run at once rather than at the next scheduler tick.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from leadline.core.jobs import job_schedule
from leadline.sales.calendar_invites import invite_ics
from leadline.sales.meeting_selectors import (
    BOOKED_PURPOSE,
    CANCEL_PURPOSE,
    RESCHEDULE_PURPOSE,
    booking_page_url,
    meeting_link,
)
from leadline.sales.models import Meeting, MeetingState
from leadline.sales.slots import clean_time_zone

logger = logging.getLogger(__name__)

BOOKED = "booked"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"
REMINDER = "reminder"
GUEST = "guest"
HOST = "host"
RECIPIENTS = {BOOKED: (GUEST, HOST), RESCHEDULED: (GUEST, HOST), CANCELLED: (GUEST, HOST), REMINDER: (GUEST,)}
DELIVER = "leadline.sales.meeting_emails.meeting_email_deliver"


def emails_schedule(*, meeting: Meeting, event: str) -> list[int]:
    """Record the emails of `event` (inside the caller's transaction) and run them after commit."""
    job_ids = []
    for recipient in RECIPIENTS[event]:
        job = job_schedule(
            name=DELIVER,
            arguments={
                "meeting_id": meeting.pk,
                "event": event,
                "recipient": recipient,
                "sequence": meeting.sequence,
            },
            key=f"sales.meeting-email.{meeting.public_id}.{event}.{recipient}.{meeting.sequence}",
        )
        job_ids.append(job.pk)

    def run_now() -> None:
        from leadline.sales.meeting_jobs import meeting_email_send_now

        try:
            for job_id in job_ids:
                meeting_email_send_now.enqueue(job_id)
        except Exception:
            # The scheduler's tick picks the jobs up anyway; nothing is lost.
            logger.exception("Could not enqueue the emails of meeting %s", meeting.public_id)

    transaction.on_commit(run_now)
    return job_ids


def _zone(name: str) -> ZoneInfo:
    try:
        return clean_time_zone(name)
    except ValueError:
        return ZoneInfo("UTC")


def _when(meeting: Meeting, zone: ZoneInfo) -> str:
    start = meeting.starts_at.astimezone(zone)
    end = meeting.ends_at.astimezone(zone)
    return f"{start:%A} {start.day} {start:%B %Y, %H:%M}–{end:%H:%M} ({zone.key})"


SUBJECTS = {
    (BOOKED, GUEST): "Confirmed: {name} with {host} on {short}",
    (BOOKED, HOST): "New booking: {name} with {guest} on {short}",
    (RESCHEDULED, GUEST): "New time: {name} with {host} on {short}",
    (RESCHEDULED, HOST): "Moved: {name} with {guest} to {short}",
    (CANCELLED, GUEST): "Cancelled: {name} with {host} on {short}",
    (CANCELLED, HOST): "Cancelled: {name} with {guest} on {short}",
    (REMINDER, GUEST): "Reminder: {name} with {host} at {short}",
}


def meeting_email_build(
    *, meeting: Meeting, event: str, recipient: str, now: datetime | None = None
) -> EmailMultiAlternatives:
    host = meeting.host
    availability = getattr(host, "availability", None)
    zone = _zone(
        meeting.guest_time_zone
        if recipient == GUEST
        else (availability.time_zone if availability else host.time_zone)
    )
    cancel_url = meeting_link(meeting, CANCEL_PURPOSE)
    reschedule_url = meeting_link(meeting, RESCHEDULE_PURPOSE)
    context = {
        "meeting": meeting,
        "greeting_name": (meeting.guest_name.split() or [meeting.guest_name])[0],
        "event": event,
        "recipient": recipient,
        "when": _when(meeting, zone),
        "cancel_url": cancel_url,
        "reschedule_url": reschedule_url,
        "details_url": meeting_link(meeting, BOOKED_PURPOSE),
        "book_again_url": booking_page_url(meeting.meeting_type),
        "contact_url": f"{settings.BASE_URL}/contacts/{meeting.contact.public_id}/"
        if meeting.contact
        else "",
        "is_cancelled": meeting.state == MeetingState.CANCELLED,
    }
    start = meeting.starts_at.astimezone(zone)
    subject = SUBJECTS[(event, recipient)].format(
        name=meeting.meeting_type.name,
        host=host.display_name,
        guest=meeting.guest_name,
        short=f"{start:%a} {start.day} {start:%b, %H:%M}",
    )
    to = [meeting.guest_email] if recipient == GUEST else [host.email]
    reply_to = [host.email] if recipient == GUEST else [meeting.guest_email]
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:250],
        body=render_to_string("sales/booking/email/meeting.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
    )
    message.attach_alternative(render_to_string("sales/booking/email/meeting.html", context), "text/html")
    if event != REMINDER:
        ics = invite_ics(meeting=meeting, reschedule_url=reschedule_url, cancel_url=cancel_url, now=now)
        method = "CANCEL" if meeting.state == MeetingState.CANCELLED else "REQUEST"
        message.attach("invite.ics", ics.decode(), f"text/calendar; method={method}; charset=utf-8")
    return message


def meeting_email_deliver(*, meeting_id: int, event: str, recipient: str, sequence: int) -> str:
    """The job: send one meeting email unless a later change made it stale."""
    meeting = (
        Meeting.objects.select_related("meeting_type", "host", "host__availability", "contact")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return "gone"
    if event != CANCELLED and (meeting.sequence != sequence or meeting.state != MeetingState.CONFIRMED):
        return "stale"  # a newer email (new time or cancellation) supersedes this one
    if event == REMINDER and meeting.starts_at <= timezone.now():
        return "too late"
    meeting_email_build(meeting=meeting, event=event, recipient=recipient).send()
    return "sent"
