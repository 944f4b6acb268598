"""API of sending domains and their DNS checks. Reads need `contacts:read` (admins and marketing
see the domains); adding, checking and removing need `settings:write`, and adding or removing an
admin. The DKIM private key is never part of any answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.models import Role
from leadline.api.auth import contacts_read, get_for_edit, request_user, require_role, settings_write
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.core.access import get_for_user
from leadline.mail import domains
from leadline.mail.models import SendingDomain

router = Router(tags=["Sending domains"])

MANAGE_MESSAGE = "Only admins can add or remove sending domains."
CHECK_MESSAGE = "Only admins and marketing can check sending domains."


class DomainIn(Schema):
    model_config = ConfigDict(extra="forbid")

    domain: str = Field(max_length=domains.INPUT_MAX_LENGTH, description="For example example.com.")
    selector: str = Field(
        domains.DEFAULT_SELECTOR, max_length=63, description="The DKIM selector (the key's name in DNS)."
    )


class RecordOut(Schema):
    host: str = Field(description="The full name of the record.")
    type: str
    value: str


class CheckOut(Schema):
    key: str = Field(description="spf, dkim, dmarc or return_path.")
    label: str
    status: str = Field(description="ok, warning, missing, wrong, or unknown (could not check).")
    summary: str
    details: list[str]
    found: list[str] = Field(description="The records found in DNS.")
    publish: RecordOut | None = Field(description="The record to publish, when the check is not ok.")
    how: str = Field(description="Where to publish it, in plain words.")


class DomainSummaryOut(Schema):
    id: UUID
    domain: str = Field(description="In ASCII (IDNA) form, as in DNS.")
    display_name: str = Field(description="As people write it (Unicode).")
    dkim_selector: str
    status: str | None = Field(description="The worst status of the last check; null before the first.")
    checked_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_id(domain: SendingDomain) -> UUID:
        return domain.public_id

    @staticmethod
    def resolve_display_name(domain: SendingDomain) -> str:
        return domains.display_domain(domain.domain)

    @staticmethod
    def resolve_status(domain: SendingDomain) -> str | None:
        return (domain.check_results or {}).get("status")


class DomainOut(DomainSummaryOut):
    dkim_public_key: str = Field(description="The base64 public key (the p= of the DKIM record).")
    checks: list[CheckOut] = Field(description="The last check, one entry per record.")
    records: list[RecordOut] = Field(description="Every record the domain needs, for a first setup.")

    @staticmethod
    def resolve_checks(domain: SendingDomain) -> list[dict[str, Any]]:
        return list((domain.check_results or {}).get("checks", []))

    @staticmethod
    def resolve_records(domain: SendingDomain) -> list[dict[str, str]]:
        return domains.records_to_publish(domain)


DomainPage = page_schema(DomainSummaryOut, "SendingDomainPage")


@router.get(
    "/email/domains",
    auth=contacts_read,
    response=DomainPage,
    url_name="mail_domain_list",
    summary="List sending domains",
)
def domain_list_route(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Sales users get an empty list: sending domains are for admins and marketing."""
    queryset = SendingDomain.objects.for_user(request_user(request))
    result = paginate(queryset, page, key="created_at", namespace="email-domains")
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.post(
    "/email/domains",
    auth=settings_write,
    response={201: DomainOut},
    url_name="mail_domain_add",
    summary="Add a sending domain",
)
def domain_add_route(request: HttpRequest, payload: DomainIn) -> Any:
    """Makes a DKIM key pair for the domain. The answer lists the records to publish; nothing is
    looked up until a check."""
    user = request_user(request)
    require_role(user, Role.ADMIN, message=MANAGE_MESSAGE)
    return Status(201, domains.domain_add(actor=user, domain=payload.domain, selector=payload.selector))


@router.get(
    "/email/domains/{domain}",
    auth=contacts_read,
    response=DomainOut,
    url_name="mail_domain_get",
    summary="Get a sending domain with its last check",
)
def domain_get_route(request: HttpRequest, domain: str) -> SendingDomain:
    return get_for_user(SendingDomain.objects, request_user(request), domain)


@router.post(
    "/email/domains/{domain}/check",
    auth=settings_write,
    response=DomainOut,
    url_name="mail_domain_check",
    summary="Check a sending domain's DNS now",
)
def domain_check_route(request: HttpRequest, domain: str) -> SendingDomain:
    """Looks up SPF, DKIM, DMARC and the return path's MX now. A DNS server that does not answer
    gives `unknown` for what it could not check, not an error."""
    user = request_user(request)
    require_role(user, Role.MARKETING, message=CHECK_MESSAGE)
    instance = get_for_user(SendingDomain.objects, user, domain)
    domains.domain_check(domain=instance)
    return instance


class DeleteQuery(Schema):
    confirm: str = Field(
        max_length=domains.INPUT_MAX_LENGTH,
        description="The domain's name again: removing it deletes its DKIM key for good.",
    )


@router.delete(
    "/email/domains/{domain}",
    auth=settings_write,
    response={204: None},
    url_name="mail_domain_delete",
    summary="Remove a sending domain",
)
def domain_delete_route(request: HttpRequest, domain: str, query: Query[DeleteQuery]) -> Any:
    user = request_user(request)
    instance = get_for_edit(SendingDomain.objects.all(), user, domain, message=MANAGE_MESSAGE)
    domains.domain_remove(actor=user, domain=instance, confirmation=query.confirm)
    return Status(204, None)
