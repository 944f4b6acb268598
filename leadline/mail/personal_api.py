"""API of 1:1 email from a salesperson to a contact, and of the email a contact was sent.

Sending needs `sales:write`, reading `sales:read`; both act on contacts the token's user can see. A
salesperson sees the 1:1 email they sent; admins and marketing see every email to the contact.
Send with an `Idempotency-Key` so a retry after a timeout queues one email, not two.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema
from pydantic import ConfigDict

from leadline.api.auth import request_user, sales_read, sales_write
from leadline.api.errors import field_error
from leadline.api.idempotency import request_fingerprint, run_idempotent
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.mail import personal
from leadline.mail.models import OutboundMessage, Template

router = Router(tags=["Messages"])

IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    description="Any unique string (a UUID). Retrying with the same key and body replays the first response.",
)


class PersonalEmailIn(Schema):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(max_length=personal.SUBJECT_MAX_LENGTH, description="Merge tags allowed.")
    body: str = Field(
        max_length=personal.BODY_MAX_LENGTH, description="Markdown, with merge tags such as {{ first_name }}."
    )
    template: str | None = Field(
        None, max_length=64, description="A transactional template's id, recorded as the starting point."
    )


class MessageOut(Schema):
    id: UUID
    to_email: str
    subject: str
    body: str = Field(description="The Markdown body of a 1:1 email; empty for other email.")
    kind: str
    state: str = Field(description="queued, sending, sent, failed, dead, cancelled or skipped.")
    sent_by: UUID | None = Field(description="The user who wrote a 1:1 email.")
    template: UUID | None
    campaign: UUID | None
    created_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None = Field(description="First open by a person.")
    clicked_at: datetime | None = Field(description="First click by a person.")
    bounced_at: datetime | None

    @staticmethod
    def resolve_id(message: OutboundMessage) -> UUID:
        return message.public_id

    @staticmethod
    def resolve_sent_by(message: OutboundMessage) -> UUID | None:
        return message.sent_by.public_id if message.sent_by is not None else None

    @staticmethod
    def resolve_template(message: OutboundMessage) -> UUID | None:
        return message.template.public_id if message.template is not None else None

    @staticmethod
    def resolve_campaign(message: OutboundMessage) -> UUID | None:
        return message.campaign.public_id if message.campaign is not None else None


MessagePage = page_schema(MessageOut, "ContactEmailPage")


def _template(user: Any, value: str | None) -> Template | None:
    if value is None:
        return None
    public_id = parse_public_id(value)
    template = (
        personal.transactional_templates(user=user).filter(public_id=public_id).first() if public_id else None
    )
    if template is None:
        raise field_error("template", "No transactional template you can see has this id.")
    return template


@router.post(
    "/contacts/{contact_id}/emails",
    auth=sales_write,
    response={201: MessageOut},
    url_name="personal_email_send",
    summary="Send a 1:1 email to a contact",
)
def personal_email_send_route(
    request: HttpRequest,
    contact_id: str,
    payload: PersonalEmailIn,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> HttpResponse:
    """Queues the email (state `queued`); it is sent in a moment and lands on the contact's timeline.
    Refused (400) when the contact has no email address or the address is suppressed, or when a
    merge tag is unknown."""
    user = request_user(request)
    contact = get_for_user(Contact.objects, user, contact_id)
    data = payload.model_dump(mode="json")

    def execute() -> tuple[int, dict[str, Any]]:
        message = personal.personal_email_send(
            user=user,
            contact=contact,
            subject=payload.subject,
            body=payload.body,
            template=_template(user, payload.template),
        )
        fresh = OutboundMessage.objects.select_related("sent_by", "template", "campaign").get(pk=message.pk)
        return 201, MessageOut.model_validate(fresh).model_dump(mode="json")

    result = run_idempotent(
        user=user, key=idempotency_key, fingerprint=request_fingerprint(request, data), execute=execute
    )
    return result.as_response()


@router.get(
    "/contacts/{contact_id}/emails",
    auth=sales_read,
    response=MessagePage,
    url_name="personal_email_list",
    summary="List the email sent to a contact",
)
def personal_email_list_route(
    request: HttpRequest, contact_id: str, page: Query[PageQuery]
) -> dict[str, Any]:
    """Newest first. Salespeople see the 1:1 email they sent; admins and marketing see all of it."""
    user = request_user(request)
    contact = get_for_user(Contact.objects, user, contact_id)
    messages = personal.contact_messages(user=user, contact=contact)
    result = paginate(messages, page, key="created_at", namespace="contact-emails")
    return {"items": result.items, "next_cursor": result.next_cursor}
