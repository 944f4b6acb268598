"""The emails a submission sets off, and their delivery.

Each email is a `FormEmail` row written in the submission's transaction with a unique key, so it
exists once however often the submission is retried. Delivery claims the row (queued → sending,
with a lease), sends through Django's mail API (SMTP when EMAIL_URL is set, otherwise the in-app
outbox) and marks it sent; a temporary error puts it back in the queue with exponential backoff until
`MAX_ATTEMPTS`, then it is marked failed with the last error kept for an operator. A permanent
refusal (an SMTP 5xx answer) fails it at once.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, urlize

from leadline.core.jobs import backoff_delay
from leadline.core.signing import make_token
from leadline.forms.merge_tags import render_merge_tags
from leadline.forms.models import Form, FormEmail, FormSubmission
from leadline.sales.meeting_selectors import booking_url_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
SEND_LEASE = timedelta(minutes=5)
CONFIRM_TOKEN_PURPOSE = "forms.confirm"
CONFIRM_TOKEN_MAX_AGE = timedelta(days=7)


def booking_link(*, contact: Any, form: Form) -> str:
    """The `{{ booking_link }}` of an instant reply. The one place the booking pages plug into."""
    return booking_url_for(contact)


def merge_values(*, contact: Any, form: Form, submission: FormSubmission) -> dict[str, str]:
    """The flat dict of plain strings the merge tags may read, and nothing else."""
    answers = submission.values if isinstance(submission.values, dict) else {}

    def answered_or_stored(name: str, stored: str) -> str:
        # What they typed just now wins over what we had (fill-only may have kept an older value).
        typed = answers.get(name)
        return typed.strip() if isinstance(typed, str) and typed.strip() else (stored or "")

    company_name = contact.company.name if contact is not None and contact.company_id else ""
    return {
        "first_name": answered_or_stored("first_name", contact.first_name if contact is not None else ""),
        "last_name": answered_or_stored("last_name", contact.last_name if contact is not None else ""),
        "company": answered_or_stored("company", company_name),
        "email": submission.email,
        "booking_link": booking_link(contact=contact, form=form),
    }


def _single_line(text: str) -> str:
    return " ".join(text.split())[:998]


def _html_from_text(text: str) -> str:
    paragraphs = [part for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    body = "".join(
        "<p>" + urlize(escape(part), nofollow=True).replace("\n", "<br>") + "</p>" for part in paragraphs
    )
    return f'<div style="font-family:system-ui,sans-serif;font-size:15px;line-height:1.5">{body}</div>'


def _message_id() -> str:
    domain = (settings.BASE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]) or "leadline.local"
    return make_msgid(domain=domain)


def _new_email(
    *, submission: FormSubmission, kind: str, key: str, to: str, subject: str, text: str, html: str = ""
) -> FormEmail:
    return FormEmail(
        submission=submission,
        kind=kind,
        key=key,
        to_email=to,
        subject=_single_line(subject) or "(no subject)",
        text_body=text,
        html_body=html,
        message_id=_message_id(),
        next_attempt_at=timezone.now(),
    )


def autoreply_build(*, form: Form, submission: FormSubmission, contact: Any) -> FormEmail:
    values = merge_values(contact=contact, form=form, submission=submission)
    text = render_merge_tags(form.autoreply_body, values)
    return _new_email(
        submission=submission,
        kind=FormEmail.Kind.AUTOREPLY,
        key=f"autoreply:{submission.pk}",
        to=submission.email,
        subject=render_merge_tags(form.autoreply_subject, values),
        text=text,
        html=_html_from_text(text),
    )


def confirmation_token(submission: FormSubmission) -> str:
    return make_token({"s": str(submission.public_id)}, purpose=CONFIRM_TOKEN_PURPOSE)


def confirmation_build(*, form: Form, submission: FormSubmission, contact: Any) -> FormEmail:
    url = settings.BASE_URL + reverse("forms_public:confirm", args=[confirmation_token(submission)])
    context = {"form": form, "contact": contact, "url": url, "days": CONFIRM_TOKEN_MAX_AGE.days}
    return _new_email(
        submission=submission,
        kind=FormEmail.Kind.CONFIRMATION,
        key=f"confirmation:{submission.pk}",
        to=submission.email,
        subject=render_to_string("forms/email/confirmation_subject.txt", context),
        text=render_to_string("forms/email/confirmation_message.txt", context),
    )


def notifications_build(
    *,
    form: Form,
    submission: FormSubmission,
    contact: Any,
    recipients: list[Any],
    rows: list[tuple[str, str]],
) -> list[FormEmail]:
    """One notice per teammate, each with its own key so none is sent twice."""
    context = {
        "form": form,
        "contact": contact,
        "submission": submission,
        "rows": rows,
        "contact_url": settings.BASE_URL + reverse("contacts:detail", args=[contact.public_id]),
        "submissions_url": settings.BASE_URL + reverse("forms:submissions", args=[form.public_id]),
    }
    subject = render_to_string("forms/email/notification_subject.txt", context)
    text = render_to_string("forms/email/notification_message.txt", context)
    return [
        _new_email(
            submission=submission,
            kind=FormEmail.Kind.NOTIFICATION,
            key=f"notification:{submission.pk}:{user.pk}",
            to=user.email,
            subject=subject,
            text=text,
        )
        for user in recipients
        if user.email
    ]


# --- Delivery -------------------------------------------------------------------------------------


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer (no such mailbox, message rejected) will not change by asking again; 4xx may."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _reply in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def form_email_deliver(*, form_email_id: int) -> str:
    """Send one queued email if it is due and nobody else is sending it. Returns its state after."""
    now = timezone.now()
    claimed = FormEmail.objects.filter(
        pk=form_email_id, state=FormEmail.State.QUEUED, next_attempt_at__lte=now
    ).update(state=FormEmail.State.SENDING, lease_until=now + SEND_LEASE, attempts=F("attempts") + 1)
    email = FormEmail.objects.filter(pk=form_email_id).first()
    if email is None:
        return "missing"
    if not claimed:
        return str(email.state)
    headers = {"Message-ID": email.message_id}
    if email.kind == FormEmail.Kind.AUTOREPLY:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots must not answer it
    else:
        headers["Auto-Submitted"] = "auto-generated"
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.text_body, to=[email.to_email], headers=headers
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    try:
        message.send()
    except Exception as error:  # refusals, dropped connections, timeouts: worth a retry unless final
        email.last_error = f"{type(error).__name__}: {error}"[:2000]
        email.lease_until = None
        if email.attempts >= MAX_ATTEMPTS or _is_permanent(error):
            email.state = FormEmail.State.FAILED
            logger.warning(
                "Giving up on form email %s after %s attempts: %s", email.pk, email.attempts, error
            )
        else:
            email.state = FormEmail.State.QUEUED
            email.next_attempt_at = timezone.now() + backoff_delay(email.attempts)
            logger.info(
                "Form email %s failed (attempt %s), retrying later: %s", email.pk, email.attempts, error
            )
        email.save(update_fields=["last_error", "lease_until", "state", "next_attempt_at", "updated_at"])
        return str(email.state)
    email.state = FormEmail.State.SENT
    email.sent_at = timezone.now()
    email.lease_until = None
    email.save(update_fields=["state", "sent_at", "lease_until", "updated_at"])
    return str(email.state)


def form_emails_due(*, limit: int = 200) -> list[int]:
    """Emails waiting for a retry that is due, and sends whose worker vanished (lease expired)."""
    now = timezone.now()
    FormEmail.objects.filter(state=FormEmail.State.SENDING, lease_until__lt=now).update(
        state=FormEmail.State.QUEUED, lease_until=None
    )
    due = FormEmail.objects.filter(Q(state=FormEmail.State.QUEUED) & Q(next_attempt_at__lte=now))
    return list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
