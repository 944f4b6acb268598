"""API of testimonials: list approved, list all with their status, moderate, request.

Reads need `contacts:read`. Moderating (approve, reject) and asking for a testimonial change what
happens to a contact, so they need `contacts:write` — not `settings:write`, which salespeople cannot
hold, and which is for workspace settings. Moderation also needs an admin or marketing user (403
otherwise); asking works for anyone who can see the contact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.models import Role
from leadline.api.auth import contacts_read, contacts_write, get_for_edit, request_user, require_role
from leadline.api.errors import field_error
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.mail.models import Template
from leadline.testimonials import selectors, services
from leadline.testimonials.links import collect_url
from leadline.testimonials.models import Testimonial, TestimonialRequest

router = Router(tags=["Testimonials"])

MODERATE_MESSAGE = "Only admins and marketing moderate testimonials."


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class PublicTestimonialOut(Schema):
    """An approved testimonial as it is shown on walls: no link to the contact."""

    id: UUID
    rating: int
    text: str
    display_name: str
    role: str
    company: str
    has_photo: bool
    approved_at: datetime | None

    @staticmethod
    def resolve_id(testimonial: Testimonial) -> UUID:
        return testimonial.public_id

    @staticmethod
    def resolve_has_photo(testimonial: Testimonial) -> bool:
        return bool(testimonial.photo)

    @staticmethod
    def resolve_approved_at(testimonial: Testimonial) -> datetime | None:
        return testimonial.decided_at


class TestimonialOut(Schema):
    id: UUID
    contact: UUID
    status: str
    rating: int
    text: str
    display_name: str
    role: str
    company: str
    has_photo: bool
    consent_text_version: str
    submitted_at: datetime
    decided_at: datetime | None
    rejection_reason: str
    edit_awaiting_confirmation: bool = Field(description="A team edit waits for the customer's consent.")

    @staticmethod
    def resolve_id(testimonial: Testimonial) -> UUID:
        return testimonial.public_id

    @staticmethod
    def resolve_contact(testimonial: Testimonial) -> UUID:
        return testimonial.contact.public_id

    @staticmethod
    def resolve_has_photo(testimonial: Testimonial) -> bool:
        return bool(testimonial.photo)

    @staticmethod
    def resolve_edit_awaiting_confirmation(testimonial: Testimonial) -> bool:
        return bool(testimonial.proposed)


class RequestOut(Schema):
    id: UUID
    contact: UUID
    source: str
    emailed: bool
    url: str = Field(description="The customer's personal link to the collection page.")
    expires_at: datetime
    created_at: datetime

    @staticmethod
    def resolve_id(request: TestimonialRequest) -> UUID:
        return request.public_id

    @staticmethod
    def resolve_contact(request: TestimonialRequest) -> UUID:
        return request.contact.public_id

    @staticmethod
    def resolve_emailed(request: TestimonialRequest) -> bool:
        return bool(request.email_key)

    @staticmethod
    def resolve_url(request: TestimonialRequest) -> str:
        return collect_url(request.public_id)


class RequestIn(InputSchema):
    send_email: bool = Field(True, description="Email the link now (false: only make the link).")
    template: str | None = Field(
        None, max_length=64, description="A transactional Markdown template to write the email from."
    )


class RejectIn(InputSchema):
    reason: str = Field("", max_length=services.REASON_MAX_LENGTH, description="For the team; never shown.")


class ApprovedFilters(Schema):
    min_rating: int = Field(1, ge=1, le=5)


class ListFilters(Schema):
    status: Testimonial.Status | None = None
    q: str = Field("", max_length=200)


PublicPage = page_schema(PublicTestimonialOut, "ApprovedTestimonialPage")
TestimonialPage = page_schema(TestimonialOut, "TestimonialPage")


@router.get(
    "/testimonials/approved",
    auth=contacts_read,
    response=PublicPage,
    url_name="testimonial_list_approved",
    summary="List approved testimonials",
)
def approved_list_route(
    request: HttpRequest, page: Query[PageQuery], filters: Query[ApprovedFilters]
) -> dict[str, Any]:
    """What the walls may show, newest first. Public wording only: no contact ids."""
    testimonials = selectors.approved_testimonials().filter(rating__gte=filters.min_rating)
    result = paginate(testimonials, page, key="submitted_at", namespace="testimonials-approved")
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.get(
    "/testimonials",
    auth=contacts_read,
    response=TestimonialPage,
    url_name="testimonial_list",
    summary="List testimonials with their status",
)
def testimonial_list_route(
    request: HttpRequest, page: Query[PageQuery], filters: Query[ListFilters]
) -> dict[str, Any]:
    """Every testimonial the token's user can see (sales: those of their contacts), newest first."""
    testimonials = selectors.testimonial_list(
        user=request_user(request), status=filters.status or "all", q=filters.q
    )
    result = paginate(testimonials, page, key="submitted_at", namespace="testimonials")
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.get(
    "/testimonials/{testimonial}",
    auth=contacts_read,
    response=TestimonialOut,
    url_name="testimonial_get",
    summary="Get a testimonial",
)
def testimonial_get_route(request: HttpRequest, testimonial: str) -> Testimonial:
    return get_for_user(Testimonial.objects.select_related("contact"), request_user(request), testimonial)


def _moderated(request: HttpRequest, testimonial: str) -> Testimonial:
    user = request_user(request)
    instance = get_for_edit(
        Testimonial.objects.select_related("contact"), user, testimonial, message=MODERATE_MESSAGE
    )
    require_role(user, Role.MARKETING, message=MODERATE_MESSAGE)
    return instance


@router.post(
    "/testimonials/{testimonial}/approve",
    auth=contacts_write,
    response=TestimonialOut,
    url_name="testimonial_approve",
    summary="Approve a testimonial",
)
def testimonial_approve_route(request: HttpRequest, testimonial: str) -> Testimonial:
    """It shows on every wall whose filters it matches. Approving twice changes nothing."""
    return services.testimonial_approve(
        testimonial=_moderated(request, testimonial), actor=request_user(request)
    )


@router.post(
    "/testimonials/{testimonial}/reject",
    auth=contacts_write,
    response=TestimonialOut,
    url_name="testimonial_reject",
    summary="Reject or take down a testimonial",
)
def testimonial_reject_route(request: HttpRequest, testimonial: str, payload: RejectIn) -> Testimonial:
    return services.testimonial_reject(
        testimonial=_moderated(request, testimonial), actor=request_user(request), reason=payload.reason
    )


@router.post(
    "/contacts/{contact}/testimonial-requests",
    auth=contacts_write,
    response={201: RequestOut},
    url_name="testimonial_request_create",
    summary="Ask a contact for a testimonial",
)
def testimonial_request_route(request: HttpRequest, contact: str, payload: RequestIn) -> Any:
    """Makes the personal link (valid 30 days) and, unless `send_email` is false, queues the email."""
    user = request_user(request)
    instance = get_for_user(Contact.objects.select_related("company"), user, contact)
    template = None
    if payload.template is not None:
        public_id = parse_public_id(payload.template)
        template = (
            Template.objects.for_user(user)
            .filter(public_id=public_id, kind=Template.Kind.TRANSACTIONAL)
            .first()
            if public_id
            else None
        )
        if template is None:
            raise field_error("template", "No transactional template has this id.")
    created = services.testimonial_request_create(
        contact=instance,
        requested_by=user,
        source=TestimonialRequest.Source.API,
        send_email=payload.send_email,
        template=template,
    )
    return Status(201, created)
