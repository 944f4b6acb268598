"""API routes for email templates (list, get, create, change, delete, render a preview for a contact,
send a test) and the sender identities. Reads need `contacts:read`; writes and test sends need
`settings:write` and an admin or marketing user. A template that does not compile is a 400 naming
the field at fault.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.models import Role
from leadline.api.auth import contacts_read, get_for_edit, request_user, require_role, settings_write
from leadline.api.errors import field_error
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.mail import selectors, services
from leadline.mail.models import Layout, SenderIdentity, Template
from leadline.mail.rendering import BODY_MAX_LENGTH, compile_template

router = Router(tags=["Email"])

EDIT_MESSAGE = "Only admins and marketing can change email templates."
SEND_MESSAGE = "Only admins and marketing can send test emails."


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class TemplateOut(Schema):
    id: UUID
    name: str
    kind: str
    format: str
    subject: str
    preheader: str
    body: str
    layout: UUID | None = Field(description="The layout around the email, or null for none.")
    version: int = Field(description="Counts saved changes.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(template: Template) -> UUID:
        return template.public_id

    @staticmethod
    def resolve_layout(template: Template) -> UUID | None:
        return template.layout.public_id if template.layout is not None else None


LAYOUT_HELP = (
    "A layout's id, or null for none. Left out when creating: the default layout for Markdown and HTML, "
    "none for MJML (it has its own header and footer)."
)


class TemplateCreateIn(InputSchema):
    name: str = Field(max_length=200)
    kind: Template.Kind = Template.Kind.MARKETING
    format: Template.Format = Template.Format.MARKDOWN
    subject: str = Field(max_length=255)
    preheader: str = Field("", max_length=255)
    body: str = Field(max_length=BODY_MAX_LENGTH)
    layout: str | None = Field(None, max_length=64, description=LAYOUT_HELP)


class TemplatePatchIn(InputSchema):
    name: str | None = Field(None, max_length=200)
    kind: Template.Kind | None = None
    format: Template.Format | None = None
    subject: str | None = Field(None, max_length=255)
    preheader: str | None = Field(None, max_length=255)
    body: str | None = Field(None, max_length=BODY_MAX_LENGTH)
    layout: str | None = Field(None, max_length=64, description="A layout's id, or null for none.")


class PreviewIn(InputSchema):
    contact: str | None = Field(
        None, max_length=64, description="Fill the merge tags with this contact's data."
    )
    sender: str | None = Field(
        None, max_length=64, description="A sender's id; the default sender if left out."
    )


class RenderedOut(Schema):
    subject: str
    html: str
    text: str
    headers: dict[str, str] = Field(description="Headers the email is sent with, e.g. List-Unsubscribe.")


class SendTestIn(PreviewIn):
    to: str = Field(max_length=254, description="One email address.")


class SendTestOut(Schema):
    to: str
    subject: str


class SenderOut(Schema):
    id: UUID
    from_name: str
    from_email: str
    reply_to: str
    postal_address: str
    is_default: bool

    @staticmethod
    def resolve_id(identity: SenderIdentity) -> UUID:
        return identity.public_id


TemplatePage = page_schema(TemplateOut, "EmailTemplatePage")


class TemplateFilters(Schema):
    q: str = Field("", max_length=200, description="Words to find in the name or subject.")
    kind: Template.Kind | None = None


def _layout(request: HttpRequest, value: str | None) -> Layout | None:
    if value is None:
        return None
    public_id = parse_public_id(value)
    layout = (
        Layout.objects.for_user(request_user(request)).filter(public_id=public_id).first()
        if public_id
        else None
    )
    if layout is None:
        raise field_error("layout", "No layout has this id.")
    return layout


def _contact(request: HttpRequest, value: str | None) -> Contact | None:
    if value is None:
        return None
    public_id = parse_public_id(value)
    contact = (
        Contact.objects.for_user(request_user(request))
        .select_related("company", "owner")
        .filter(public_id=public_id)
        .first()
        if public_id
        else None
    )
    if contact is None:
        raise field_error("contact", "No contact you can see has this id.")
    return contact


def _sender(request: HttpRequest, value: str | None) -> SenderIdentity | None:
    if value is None:
        return selectors.default_sender_identity()
    public_id = parse_public_id(value)
    sender = (
        SenderIdentity.objects.for_user(request_user(request)).filter(public_id=public_id).first()
        if public_id
        else None
    )
    if sender is None:
        raise field_error("sender", "No sender has this id.")
    return sender


def _editable(request: HttpRequest, template: str) -> Template:
    return get_for_edit(
        Template.objects.select_related("layout"), request_user(request), template, message=EDIT_MESSAGE
    )


@router.get(
    "/email/templates",
    auth=contacts_read,
    response=TemplatePage,
    url_name="mail_template_list",
    summary="List email templates",
)
def template_list_route(
    request: HttpRequest, page: Query[PageQuery], filters: Query[TemplateFilters]
) -> dict[str, Any]:
    """Newest first. Sales users see the transactional templates only."""
    templates = selectors.template_list(user=request_user(request), q=filters.q, kind=filters.kind or "")
    result = paginate(templates, page, key="created_at", namespace="email-templates")
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.post(
    "/email/templates",
    auth=settings_write,
    response={201: TemplateOut},
    url_name="mail_template_create",
    summary="Create an email template",
)
def template_create_route(request: HttpRequest, payload: TemplateCreateIn) -> Any:
    """Refused (400) when a merge tag is unknown, the MJML does not parse, or a marketing template
    lacks the unsubscribe link or the postal address (in its body or its layout)."""
    user = request_user(request)
    require_role(user, Role.MARKETING, message=EDIT_MESSAGE)
    if "layout" in payload.model_fields_set:
        layout = _layout(request, payload.layout)
    else:
        layout = selectors.default_layout() if payload.format != Template.Format.MJML else None
    data = services.TemplateData(
        name=payload.name,
        kind=payload.kind,
        format=payload.format,
        subject=payload.subject,
        preheader=payload.preheader,
        body=payload.body,
        layout=layout,
    )
    return Status(201, services.template_create(actor=user, data=data))


@router.get(
    "/email/templates/{template}",
    auth=contacts_read,
    response=TemplateOut,
    url_name="mail_template_get",
    summary="Get an email template",
)
def template_get_route(request: HttpRequest, template: str) -> Template:
    return get_for_user(Template.objects.select_related("layout"), request_user(request), template)


@router.patch(
    "/email/templates/{template}",
    auth=settings_write,
    response=TemplateOut,
    url_name="mail_template_update",
    summary="Change an email template",
)
def template_update_route(request: HttpRequest, template: str, payload: TemplatePatchIn) -> Template:
    """Only the fields sent change; the whole template is checked again before it is saved."""
    instance = _editable(request, template)
    fields = payload.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(payload, name)
        for name in ("name", "kind", "format", "subject", "preheader", "body")
        if name in fields and getattr(payload, name) is not None
    }
    if "layout" in fields:
        changes["layout"] = _layout(request, payload.layout)
    data = services.TemplateData.of(instance).changed(**changes)
    return services.template_update(template=instance, actor=request_user(request), data=data)


@router.delete(
    "/email/templates/{template}",
    auth=settings_write,
    response={204: None},
    url_name="mail_template_delete",
    summary="Delete an email template",
)
def template_delete_route(request: HttpRequest, template: str) -> Any:
    services.template_delete(template=_editable(request, template), actor=request_user(request))
    return Status(204, None)


@router.post(
    "/email/templates/{template}/preview",
    auth=contacts_read,
    response=RenderedOut,
    url_name="mail_template_preview",
    summary="Render an email template for a contact",
)
def template_preview_route(request: HttpRequest, template: str, payload: PreviewIn) -> Any:
    """The subject, HTML and plain text as the contact would get them (the unsubscribe link is a
    sample). Nothing is sent or saved."""
    instance = get_for_user(Template.objects.select_related("layout"), request_user(request), template)
    contact = _contact(request, payload.contact)
    sender = _sender(request, payload.sender)
    compiled = compile_template(instance)
    return services.template_render_preview(compiled=compiled, contact=contact, sender=sender)


@router.post(
    "/email/templates/{template}/send-test",
    auth=settings_write,
    response=SendTestOut,
    url_name="mail_template_send_test",
    summary="Send a test of an email template",
)
def template_send_test_route(request: HttpRequest, template: str, payload: SendTestIn) -> dict[str, str]:
    """Sends the saved template to one address with "[Test]" before its subject, filled in with the
    contact's data if one is given."""
    user = request_user(request)
    require_role(user, Role.MARKETING, message=SEND_MESSAGE)
    instance = get_for_user(Template.objects.select_related("layout"), user, template)
    rendered = services.template_send_test(
        template=instance,
        actor=user,
        to=payload.to,
        contact=_contact(request, payload.contact),
        sender=_sender(request, payload.sender),
    )
    return {"to": payload.to.strip(), "subject": services.TEST_SUBJECT_PREFIX + rendered.subject}


@router.get(
    "/email/senders",
    auth=contacts_read,
    response=list[SenderOut],
    url_name="mail_sender_list",
    summary="List sender identities",
)
def sender_list_route(request: HttpRequest) -> Any:
    """The default sender first."""
    return list(selectors.sender_identity_list(user=request_user(request)))
