"""API routes for contacts, companies and custom property definitions.

Every object is fetched through the access layer as the token's user; every write goes through
contacts.services, exactly as the screens do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.api import UserRef
from leadline.accounts.models import Role, User
from leadline.accounts.selectors import active_users
from leadline.api.auth import (
    contacts_read,
    contacts_write,
    get_for_edit,
    request_user,
    require_role,
    settings_write,
)
from leadline.api.errors import ApiError, field_error
from leadline.api.idempotency import request_fingerprint, run_idempotent
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.contacts.models import (
    Company,
    CompanyQuerySet,
    Contact,
    CustomProperty,
    LifecycleStage,
    PropertyObject,
    PropertyType,
    Source,
)
from leadline.contacts.selectors import (
    ContactFilters,
    company_get,
    company_search,
    contact_get,
    contact_search,
    custom_property_list,
)
from leadline.contacts.services import (
    company_create,
    company_delete,
    company_update,
    contact_delete,
    contact_merge,
    contact_update,
    contact_upsert,
    custom_property_create,
    custom_property_delete,
    custom_property_update,
    normalize_email,
)
from leadline.core.access import get_for_user, parse_public_id

contacts_router = Router(tags=["Contacts"])
companies_router = Router(tags=["Companies"])
properties_router = Router(tags=["Custom properties"])

IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    description="Any unique string (a UUID). Retrying with the same key and body replays the first response.",
)


class InputSchema(Schema):
    """Request bodies refuse keys they do not know instead of silently dropping them."""

    model_config = ConfigDict(extra="forbid")


# --- Schemas --------------------------------------------------------------------------------------


class CompanyRef(Schema):
    id: UUID
    name: str
    domain: str | None

    @staticmethod
    def resolve_id(company: Company) -> UUID:
        return company.public_id


class ContactRef(Schema):
    """A contact as other objects (hand-offs, deals, orders, tasks, meetings) point at it."""

    id: UUID
    name: str
    email: str | None

    @staticmethod
    def resolve_id(contact: Contact) -> UUID:
        return contact.public_id

    @staticmethod
    def resolve_name(contact: Contact) -> str:
        return str(contact.display_name)


class ContactOut(Schema):
    id: UUID
    email: str | None
    first_name: str
    last_name: str
    phone: str
    job_title: str
    city: str
    country: str
    time_zone: str
    lifecycle_stage: str
    original_source: str
    original_source_detail: str
    score: int
    owner: UserRef | None
    company: CompanyRef | None
    properties: dict[str, Any]
    last_activity_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(contact: Contact) -> UUID:
        return contact.public_id


class ContactFields(InputSchema):
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    job_title: str | None = None
    city: str | None = None
    country: str | None = Field(None, description="ISO 3166 alpha-2 code, e.g. GB.")
    time_zone: str | None = Field(None, description="IANA name, e.g. Europe/London.")
    lifecycle_stage: LifecycleStage | None = None
    original_source: Source | None = None
    original_source_detail: str | None = None
    owner: str | None = Field(None, description='Public id of a teammate, "me", or null for nobody.')
    company: str | None = Field(None, description="Public id of a company, or null.")
    properties: dict[str, Any] | None = Field(
        None, description="Custom property key → value; null clears a value."
    )


class ContactUpsertIn(ContactFields):
    email: str = Field(description="The contact is matched by this address, whatever its case.")


class ContactPatchIn(ContactFields):
    email: str | None = None


class MergeIn(InputSchema):
    duplicate: str = Field(description="Public id of the contact folded into this one and then removed.")


class ContactListQuery(Schema):
    q: str | None = Field(
        None, max_length=200, description="Words matched against name, email, company and phone."
    )
    lifecycle_stage: LifecycleStage | None = None
    owner: str | None = Field(None, description='Public id of a teammate, "me", or "none" for unowned.')
    company: str | None = Field(None, description="Public id of a company.")
    updated_since: datetime | None = Field(None, description="Only contacts changed at or after this time.")


class CompanyOut(Schema):
    id: UUID
    name: str
    domain: str | None
    industry: str
    employee_count: int | None
    country: str
    owner: UserRef | None
    properties: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(company: Company) -> UUID:
        return company.public_id


class CompanyFields(InputSchema):
    domain: str | None = None
    industry: str | None = None
    employee_count: int | None = None
    country: str | None = None
    owner: str | None = Field(None, description='Public id of a teammate, "me", or null.')
    properties: dict[str, Any] | None = None


class CompanyCreateIn(CompanyFields):
    name: str


class CompanyPatchIn(CompanyFields):
    name: str | None = None


class CompanyListQuery(Schema):
    q: str | None = Field(
        None, max_length=200, description="Words matched against name, domain and industry."
    )


class PropertyOut(Schema):
    id: UUID
    object_type: str
    key: str
    label: str
    type: str
    choices: list[str]
    description: str
    position: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(prop: CustomProperty) -> UUID:
        return prop.public_id


class PropertyCreateIn(InputSchema):
    object_type: PropertyObject = PropertyObject.CONTACT
    key: str = Field(description="Lower-case letters, digits and underscores; fixed once created.")
    label: str
    type: PropertyType = PropertyType.TEXT
    choices: list[str] = Field(default_factory=list, description="For choice and multi_choice.")
    description: str = ""


class PropertyPatchIn(InputSchema):
    label: str | None = None
    choices: list[str] | None = None
    description: str | None = None


class PropertyListQuery(Schema):
    object_type: PropertyObject | None = None


ContactPage = page_schema(ContactOut, "ContactPage")
CompanyPage = page_schema(CompanyOut, "CompanyPage")
PropertyPage = page_schema(PropertyOut, "PropertyPage")


# --- Resolving references in bodies ---------------------------------------------------------------


def _owner(user: User, value: str | None, *, field: str = "owner") -> User | None:
    if value is None:
        return None
    if value == "me":
        return user
    public_id = parse_public_id(value)
    owner = active_users().filter(public_id=public_id).first() if public_id else None
    if owner is None:
        raise field_error(field, "No active teammate has this id.")
    return owner


def _company(user: User, value: str | None, *, field: str = "company") -> Company | None:
    if value is None:
        return None
    try:
        return get_for_user(Company.objects.all(), user, value)
    except Http404:
        raise field_error(field, "No company has this id.") from None


def _with_references(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """Replace public ids of owner and company by the objects, through the access layer."""
    resolved = dict(data)
    if "owner" in resolved:
        resolved["owner"] = _owner(user, resolved["owner"])
    if "company" in resolved:
        resolved["company"] = _company(user, resolved["company"])
    return resolved


def _contact_json(contact: Contact) -> dict[str, Any]:
    return ContactOut.model_validate(contact).model_dump(mode="json")


# --- Contacts -------------------------------------------------------------------------------------


@contacts_router.get(
    "/contacts",
    auth=contacts_read,
    response=ContactPage,
    url_name="contact_list",
    summary="List contacts",
)
def contact_list(
    request: HttpRequest, filters: Query[ContactListQuery], page: Query[PageQuery]
) -> dict[str, Any]:
    """Newest first. Sales users see their own, their teams' and unowned contacts."""
    user = request_user(request)
    owner = filters.owner or ""
    if owner == "none":
        owner = "unassigned"
    elif owner and owner != "me":
        teammate = _owner(user, owner)  # an unknown id is a 400, not an empty list
        owner = str(teammate.public_id) if teammate else ""
    company = _company(user, filters.company) if filters.company else None
    contacts = contact_search(
        user=user,
        filters=ContactFilters(
            q=filters.q or "",
            stage=filters.lifecycle_stage or "",
            owner=owner,
            company=company.public_id if company else None,
        ),
    )
    if filters.updated_since:
        since = filters.updated_since
        contacts = contacts.filter(updated_at__gte=since if since.tzinfo else since.replace(tzinfo=UTC))
    result = paginate(contacts, page, key="created_at", namespace="contacts")
    return {"items": result.items, "next_cursor": result.next_cursor}


@contacts_router.post(
    "/contacts",
    auth=contacts_write,
    response={200: ContactOut, 201: ContactOut},
    url_name="contact_upsert",
    summary="Create or update a contact by email",
)
def contact_upsert_by_email(
    request: HttpRequest,
    payload: ContactUpsertIn,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> HttpResponse:
    """Creates the contact (201) or updates the one with this email (200); the email's case does
    not matter. Only the fields sent are changed."""
    user = request_user(request)
    data = payload.model_dump(exclude_unset=True, mode="json")

    def execute() -> tuple[int, dict[str, Any]]:
        email = normalize_email(data["email"])
        with transaction.atomic():
            # Deliberately unfiltered: the upsert would otherwise overwrite a contact the user may
            # not see. Only its existence is used, to refuse; nothing of it is returned.
            existing = Contact.objects.filter(email=email).first()
            if existing is not None and not Contact.objects.for_user(user).filter(pk=existing.pk).exists():
                raise ApiError(
                    409,
                    "conflict",
                    "A contact with this email exists but is not shared with you.",
                    {"email": ["Ask its owner or an admin to share it."]},
                )
            contact, created = contact_upsert(actor=user, data=_with_references(user, data), via="api")
            if existing is None and not created:  # created by someone else a moment ago: check again
                raise ApiError(409, "conflict", "This contact was created meanwhile. Retry the request.")
        return (201 if created else 200), _contact_json(contact)

    result = run_idempotent(
        user=user, key=idempotency_key, fingerprint=request_fingerprint(request, data), execute=execute
    )
    return result.as_response()


@contacts_router.get(
    "/contacts/{contact_id}",
    auth=contacts_read,
    response=ContactOut,
    url_name="contact_get",
    summary="Get a contact",
)
def contact_detail(request: HttpRequest, contact_id: str) -> Contact:
    return contact_get(user=request_user(request), public_id=contact_id)


@contacts_router.patch(
    "/contacts/{contact_id}",
    auth=contacts_write,
    response=ContactOut,
    url_name="contact_update",
    summary="Change a contact",
)
def contact_patch(request: HttpRequest, contact_id: str, payload: ContactPatchIn) -> Contact:
    """Only the fields sent are changed; send null to clear one."""
    user = request_user(request)
    contact = contact_get(user=user, public_id=contact_id, for_edit=True)
    data = _with_references(user, payload.model_dump(exclude_unset=True, mode="json"))
    return contact_update(contact=contact, actor=user, data=data, via="api")


@contacts_router.delete(
    "/contacts/{contact_id}",
    auth=contacts_write,
    response={204: None},
    url_name="contact_delete",
    summary="Delete a contact",
)
def contact_remove(request: HttpRequest, contact_id: str) -> Status[None]:
    user = request_user(request)
    contact_delete(contact=contact_get(user=user, public_id=contact_id, for_edit=True), actor=user)
    return Status(204, None)


@contacts_router.post(
    "/contacts/{contact_id}/merge",
    auth=contacts_write,
    response=ContactOut,
    url_name="contact_merge",
    summary="Merge a duplicate into this contact",
)
def contact_merge_duplicate(request: HttpRequest, contact_id: str, payload: MergeIn) -> Contact:
    """Blanks are filled from the duplicate, its timeline moves here, and the duplicate is removed."""
    user = request_user(request)
    primary = contact_get(user=user, public_id=contact_id, for_edit=True)
    try:
        duplicate = contact_get(user=user, public_id=payload.duplicate, for_edit=True)
    except Http404:
        raise field_error("duplicate", "No contact has this id.") from None
    merged = contact_merge(primary=primary, duplicate=duplicate, actor=user)
    return contact_get(user=user, public_id=merged.public_id)


# --- Companies ------------------------------------------------------------------------------------


def _companies() -> CompanyQuerySet:
    return Company.objects.select_related("owner")


COMPANY_EDIT_DENIED = "Sales can only change companies they own or that have no owner."


@companies_router.get(
    "/companies",
    auth=contacts_read,
    response=CompanyPage,
    url_name="company_list",
    summary="List companies",
)
def company_list(
    request: HttpRequest, filters: Query[CompanyListQuery], page: Query[PageQuery]
) -> dict[str, Any]:
    """Alphabetical by name."""
    companies = company_search(user=request_user(request), q=filters.q or "")
    result = paginate(companies, page, key="name", namespace="companies", descending=False)
    return {"items": result.items, "next_cursor": result.next_cursor}


@companies_router.post(
    "/companies",
    auth=contacts_write,
    response={201: CompanyOut},
    url_name="company_create",
    summary="Create a company",
)
def company_add(
    request: HttpRequest,
    payload: CompanyCreateIn,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> HttpResponse:
    user = request_user(request)
    data = payload.model_dump(exclude_unset=True, mode="json")

    def execute() -> tuple[int, dict[str, Any]]:
        company = company_create(actor=user, data=_with_references(user, data))
        return 201, CompanyOut.model_validate(company).model_dump(mode="json")

    result = run_idempotent(
        user=user, key=idempotency_key, fingerprint=request_fingerprint(request, data), execute=execute
    )
    return result.as_response()


@companies_router.get(
    "/companies/{company_id}",
    auth=contacts_read,
    response=CompanyOut,
    url_name="company_get",
    summary="Get a company",
)
def company_detail(request: HttpRequest, company_id: str) -> Company:
    return company_get(user=request_user(request), public_id=company_id)


@companies_router.patch(
    "/companies/{company_id}",
    auth=contacts_write,
    response=CompanyOut,
    url_name="company_update",
    summary="Change a company",
)
def company_patch(request: HttpRequest, company_id: str, payload: CompanyPatchIn) -> Company:
    user = request_user(request)
    company = get_for_edit(_companies(), user, company_id, message=COMPANY_EDIT_DENIED)
    data = _with_references(user, payload.model_dump(exclude_unset=True, mode="json"))
    return company_update(company=company, actor=user, data=data)


@companies_router.delete(
    "/companies/{company_id}",
    auth=contacts_write,
    response={204: None},
    url_name="company_delete",
    summary="Delete a company",
)
def company_remove(request: HttpRequest, company_id: str) -> Status[None]:
    """Its contacts stay, without a company."""
    user = request_user(request)
    company = get_for_edit(_companies(), user, company_id, message=COMPANY_EDIT_DENIED)
    company_delete(company=company, actor=user)
    return Status(204, None)


# --- Custom properties ----------------------------------------------------------------------------

PROPERTY_EDIT_DENIED = "Only admins and marketing can define custom properties."


@properties_router.get(
    "/properties",
    auth=contacts_read,
    response=PropertyPage,
    url_name="property_list",
    summary="List custom properties",
)
def property_list(
    request: HttpRequest, filters: Query[PropertyListQuery], page: Query[PageQuery]
) -> dict[str, Any]:
    """Oldest first; `position` is the order the screens show them in."""
    properties = custom_property_list(user=request_user(request), object_type=filters.object_type)
    result = paginate(properties, page, key="created_at", namespace="properties", descending=False)
    return {"items": result.items, "next_cursor": result.next_cursor}


@properties_router.post(
    "/properties",
    auth=settings_write,
    response={201: PropertyOut},
    url_name="property_create",
    summary="Define a custom property",
)
def property_add(request: HttpRequest, payload: PropertyCreateIn) -> Status[CustomProperty]:
    """Needs the settings:write scope and the admin or marketing role."""
    user = request_user(request)
    require_role(user, Role.MARKETING, message=PROPERTY_EDIT_DENIED)
    data = payload.model_dump(mode="json")
    return Status(201, custom_property_create(actor=user, **data))


@properties_router.patch(
    "/properties/{property_id}",
    auth=settings_write,
    response=PropertyOut,
    url_name="property_update",
    summary="Change a custom property",
)
def property_patch(request: HttpRequest, property_id: str, payload: PropertyPatchIn) -> CustomProperty:
    """Label, choices and description can change; key and type are fixed once created."""
    user = request_user(request)
    prop = get_for_edit(CustomProperty.objects.all(), user, property_id, message=PROPERTY_EDIT_DENIED)
    return custom_property_update(
        prop=prop,
        actor=user,
        label=prop.label if payload.label is None else payload.label,
        choices=prop.choices if payload.choices is None else payload.choices,
        description=prop.description if payload.description is None else payload.description,
    )


@properties_router.delete(
    "/properties/{property_id}",
    auth=settings_write,
    response={204: None},
    url_name="property_delete",
    summary="Delete a custom property",
)
def property_remove(request: HttpRequest, property_id: str) -> Status[None]:
    """Stored values are kept: defining the same key again brings them back."""
    user = request_user(request)
    prop = get_for_edit(CustomProperty.objects.all(), user, property_id, message=PROPERTY_EDIT_DENIED)
    custom_property_delete(prop=prop, actor=user)
    return Status(204, None)
