"""1:1 email from a contact page: a salesperson writes a subject and a Markdown body (optionally
starting from a transactional template) and it goes through the same outbox as every other email,
so it is sent exactly once, checked against suppression when claimed, and lands on the timeline
when sent.

The form carries a nonce that becomes the message's key: submitting the same form twice (a double
click, a retry after a timeout) queues one email, not two.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from leadline.contacts.models import Contact
from leadline.mail import merge_tags
from leadline.mail.models import OutboundMessage, Suppression, Template
from leadline.mail.outbox import Outgoing, outbox_enqueue
from leadline.mail.rendering import normalise_newlines
from leadline.mail.selectors import default_sender_identity, merge_tag_catalogue

SUBJECT_MAX_LENGTH = 255
BODY_MAX_LENGTH = 50_000
KEY_PREFIX = "personal:"
MESSAGE_LIST_LIMIT = 20


def new_nonce() -> str:
    """A fresh key for one composer form."""
    return str(uuid.uuid4())


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def suppression_of(contact: Contact) -> Suppression | None:
    if not contact.email:
        return None
    return Suppression.objects.filter(email=contact.email.lower()).first()


def suppression_message(suppression: Suppression) -> str:
    return (
        f"Email to {suppression.email} is blocked: the address is on the suppression list "
        f"({suppression.get_reason_display().lower()}, since {suppression.created_at:%d %b %Y}). "
        "Leadline sends nothing to it, not even 1:1 email."
    )


def transactional_templates(*, user: Any) -> QuerySet[Template]:
    """The templates a 1:1 email may start from: transactional ones the user can see."""
    return Template.objects.for_user(user).filter(kind=Template.Kind.TRANSACTIONAL).order_by("name", "id")


def personal_email_check(
    *, user: Any, contact: Contact, subject: str, body: str, template: Template | None = None
) -> None:
    """Raise ValidationError (per field) or PermissionDenied when the email may not be queued."""
    if not Contact.objects.for_user(user).filter(pk=contact.pk).exists():
        raise PermissionDenied("You cannot email a contact you cannot see.")
    errors: dict[str, list[str]] = {}
    if not contact.email:
        _add(
            errors, "__all__", f"{contact.display_name} has no email address. Add one to their record first."
        )
    else:
        suppression = suppression_of(contact)
        if suppression is not None:
            _add(errors, "__all__", suppression_message(suppression))
    if not subject.strip():
        _add(errors, "subject", "Write a subject line.")
    elif len(subject) > SUBJECT_MAX_LENGTH:
        _add(errors, "subject", f"At most {SUBJECT_MAX_LENGTH} characters.")
    elif "\n" in subject or "\r" in subject:
        _add(errors, "subject", "A subject is one line.")
    if not body.strip():
        _add(errors, "body", "Write the email.")
    elif len(body) > BODY_MAX_LENGTH:
        _add(errors, "body", f"At most {BODY_MAX_LENGTH:,} characters.")
    if template is not None and not transactional_templates(user=user).filter(pk=template.pk).exists():
        _add(errors, "template", "Choose a transactional template.")
    allowed = merge_tag_catalogue()
    for field, text in (("subject", subject), ("body", body)):
        for problem in merge_tags.merge_tag_problems(text, allowed):
            _add(errors, field, problem)
    if errors:
        raise ValidationError(errors)


def _key(nonce: str | None) -> str:
    if nonce is None:
        return f"{KEY_PREFIX}{uuid.uuid4()}"
    try:
        parsed = uuid.UUID(str(nonce))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError("This form is out of date. Reload the page and send again.") from None
    return f"{KEY_PREFIX}{parsed}"


def personal_email_send(
    *,
    user: Any,
    contact: Contact,
    subject: str,
    body: str,
    template: Template | None = None,
    nonce: str | None = None,
) -> OutboundMessage:
    """Queue a 1:1 email from `user` to `contact`. The same `nonce` twice returns the first email."""
    personal_email_check(user=user, contact=contact, subject=subject, body=body, template=template)
    assert contact.email is not None
    key = _key(nonce)
    message = outbox_enqueue(
        Outgoing(
            key=key,
            to_email=contact.email,
            contact=contact,
            sender=default_sender_identity(),
            template=template,
            kind=Template.Kind.TRANSACTIONAL,
            subject=subject.strip(),
            body=normalise_newlines(body),
            sent_by=user,
            merge_context={"from_name": user.get_full_name() or user.email, "reply_to": user.email},
        )
    )
    if message.sent_by_id != user.pk or message.contact_id != contact.pk:
        # A nonce is only ever reused by the form it was made for; anything else is not ours to show.
        raise ValidationError("This form was already used. Reload the page and send again.")
    if message.state == OutboundMessage.State.QUEUED:
        # Someone is waiting for this one: a worker sends it now rather than at the next tick.
        transaction.on_commit(_send_soon)
    return message


def _send_soon() -> None:
    from leadline.mail.sending_jobs import outbox_send_soon

    outbox_send_soon()


# --- Reads ----------------------------------------------------------------------------------------


def contact_messages(*, user: Any, contact: Contact) -> QuerySet[OutboundMessage]:
    """Email to a contact the user may see: a salesperson's own 1:1 email; everything for marketing."""
    return (
        OutboundMessage.objects.for_user(user)
        .filter(contact=contact)
        .select_related("sent_by", "campaign", "template")
        .order_by("-created_at", "-id")
    )


def sent_by_user(*, user: Any) -> QuerySet[OutboundMessage]:
    """The 1:1 email the user sent, newest first."""
    return (
        OutboundMessage.objects.for_user(user)
        .filter(sent_by=user, key__startswith=KEY_PREFIX)
        .select_related("contact", "template")
        .order_by("-created_at", "-id")
    )


def state_of(message: OutboundMessage) -> tuple[str, str]:
    """(badge class, words) for where an email is: queued, sent, failed…"""
    state = message.state
    if state in (OutboundMessage.State.QUEUED, OutboundMessage.State.SENDING):
        return "info", "Queued" if state == OutboundMessage.State.QUEUED else "Sending"
    if state == OutboundMessage.State.SENT:
        if message.bounced_at:
            return "danger", "Bounced"
        if message.clicked_at:
            return "ok", "Clicked"
        if message.opened_at:
            return "ok", "Opened"
        return "ok", "Sent"
    if state in (OutboundMessage.State.FAILED, OutboundMessage.State.DEAD):
        return "danger", "Failed"
    if state == OutboundMessage.State.SKIPPED:
        return "warn", "Not sent (suppressed)"
    return "warn", message.get_state_display()
