"""Reads for contacts, companies and custom properties, always through the access layer.

List selectors return querysets with their joins already applied, so a page of any length costs the
same number of queries. Sorting only ever uses the keys listed here; user input never reaches
`order_by` directly.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import OrderBy
from django.db.models.functions import Lower
from django.utils import timezone

from leadline.contacts.models import (
    Company,
    ConsentRecord,
    Contact,
    CustomProperty,
    LifecycleStage,
    PropertyObject,
    Source,
)
from leadline.core.access import get_for_user

# --- Contacts -------------------------------------------------------------------------------------

OPEN_STAGES = (
    LifecycleStage.SUBSCRIBER,
    LifecycleStage.LEAD,
    LifecycleStage.MQL,
    LifecycleStage.SQL,
    LifecycleStage.OPPORTUNITY,
)


def _stage_rank() -> Case:
    return Case(
        *[When(lifecycle_stage=stage, then=Value(LifecycleStage.rank(stage))) for stage in LifecycleStage],
        default=Value(-1),
        output_field=IntegerField(),
    )


def _contact_sort_expressions(key: str, descending: bool) -> list[Any]:
    def ordered(expression: Any) -> OrderBy:
        return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)

    if key == "name":
        return [ordered(Lower("last_name")), ordered(Lower("first_name")), ordered(F("email"))]
    if key == "email":
        return [ordered(F("email"))]
    if key == "stage":
        return [ordered(_stage_rank())]
    if key == "score":
        return [ordered(F("score"))]
    if key == "last_activity":
        return [ordered(F("last_activity_at"))]
    if key == "company":
        return [ordered(Lower("company__name"))]
    return [ordered(F("created_at"))]


CONTACT_SORT_KEYS = ("name", "email", "company", "stage", "score", "last_activity", "created")
DEFAULT_CONTACT_SORT = "-created"


def contact_sort_key(value: Any) -> str:
    """The requested sort if it is on the allow-list (optionally prefixed with "-"), else the default."""
    if isinstance(value, str) and value.removeprefix("-") in CONTACT_SORT_KEYS:
        return value
    return DEFAULT_CONTACT_SORT


def contact_ordering(sort: str) -> list[Any]:
    sort = contact_sort_key(sort)
    descending = sort.startswith("-")
    expressions = _contact_sort_expressions(sort.removeprefix("-"), descending)
    # A unique last key keeps pages stable when many rows share a value.
    return [*expressions, "-id" if descending else "id"]


def _search_terms(q: str) -> list[str]:
    return [term for term in q.split() if term][:8]


def _contact_search_filter(q: str) -> Q:
    """Every word must match a name, the email, the company name or the phone number."""
    condition = Q()
    for term in _search_terms(q):
        term_match = (
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(company__name__icontains=term)
            | Q(phone__icontains=term)
        )
        digits = re.sub(r"\D", "", term)
        if len(digits) >= 3 and digits != term:
            term_match |= Q(phone__contains=digits)
        condition &= term_match
    return condition


@dataclass(frozen=True)
class ContactFilters:
    """A validated contact search; see `ContactFilterForm` for how it is read from a request."""

    q: str = ""
    stage: str = ""
    owner: str = ""  # "", "me", "unassigned" or a user's public id
    company: uuid.UUID | None = None
    source: str = ""
    created_from: date | None = None
    created_to: date | None = None
    sort: str = DEFAULT_CONTACT_SORT

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q
            or self.stage
            or self.owner
            or self.company
            or self.source
            or self.created_from
            or self.created_to
        )


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def contact_search(*, user: Any, filters: ContactFilters | None = None) -> QuerySet[Contact]:
    """Contacts the user may see that match `filters`, sorted, with company and owner joined."""
    filters = filters or ContactFilters()
    contacts = Contact.objects.for_user(user).select_related("company", "owner")
    if filters.q:
        contacts = contacts.filter(_contact_search_filter(filters.q))
    if filters.stage:
        contacts = contacts.filter(lifecycle_stage=filters.stage)
    if filters.owner == "me":
        contacts = contacts.filter(owner=user)
    elif filters.owner == "unassigned":
        contacts = contacts.filter(owner__isnull=True)
    elif filters.owner:
        contacts = contacts.filter(owner__public_id=filters.owner)
    if filters.company:
        contacts = contacts.filter(company__public_id=filters.company)
    if filters.source:
        contacts = contacts.filter(original_source=filters.source)
    if filters.created_from:
        contacts = contacts.filter(created_at__gte=_start_of_day(filters.created_from))
    if filters.created_to:
        contacts = contacts.filter(created_at__lt=_start_of_day(filters.created_to + timedelta(days=1)))
    return contacts.order_by(*contact_ordering(filters.sort))


def contact_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Contact:
    """One contact through the access rules (404 if not visible), with company and owner joined."""
    return get_for_user(
        Contact.objects.select_related("company", "owner"), user, public_id, for_edit=for_edit
    )


def contacts_editable(*, user: Any, public_ids: list[Any]) -> QuerySet[Contact]:
    """The subset of `public_ids` the user may change; unknown or foreign ids are simply left out."""
    parsed = []
    for value in public_ids:
        try:
            parsed.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return Contact.objects.for_user(user, for_edit=True).filter(public_id__in=parsed)


def consent_history(*, contact: Contact, limit: int = 50) -> list[ConsentRecord]:
    return list(contact.consents.order_by("-recorded_at", "-id")[:limit])


def contacts_at_company(*, user: Any, company: Company, limit: int = 25) -> QuerySet[Contact]:
    return (
        Contact.objects.for_user(user)
        .filter(company=company)
        .select_related("owner")
        .order_by(Lower("last_name"), Lower("first_name"), "id")[:limit]
    )


def merge_candidates(*, user: Any, contact: Contact, q: str = "", limit: int = 10) -> list[Contact]:
    """Contacts that could be merged into `contact`: a search, or likely duplicates when q is empty."""
    candidates = (
        Contact.objects.for_user(user, for_edit=True)
        .exclude(pk=contact.pk)
        .select_related("company", "owner")
    )
    if q.strip():
        return list(candidates.filter(_contact_search_filter(q)).order_by(*contact_ordering("name"))[:limit])
    likely = Q(pk__in=[])
    if contact.first_name and contact.last_name:
        likely |= Q(first_name__iexact=contact.first_name, last_name__iexact=contact.last_name)
    if contact.phone:
        likely |= Q(phone=contact.phone)
    if contact.email:
        local_part = contact.email.split("@", 1)[0]
        if len(local_part) >= 4:
            likely |= Q(email__istartswith=f"{local_part}@")
    return list(candidates.filter(likely).order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True)
class MergeRow:
    label: str
    primary: str
    duplicate: str
    kept: str
    source: str  # "primary", "duplicate", "both" (identical) or "combined"


def _shown(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def contact_merge_preview(*, primary: Contact, duplicate: Contact) -> list[MergeRow]:
    """Side-by-side rows of both records and the value the merged contact will keep."""
    from leadline.contacts.services import contact_merge_plan

    plan = contact_merge_plan(primary=primary, duplicate=duplicate)
    rows: list[MergeRow] = []

    def add(label: str, primary_value: Any, duplicate_value: Any, kept_value: Any) -> None:
        shown_primary, shown_duplicate, shown_kept = (
            _shown(primary_value),
            _shown(duplicate_value),
            _shown(kept_value),
        )
        if not (shown_primary or shown_duplicate):
            return
        if shown_primary == shown_duplicate:
            source = "both"
        elif shown_kept == shown_primary:
            source = "primary"
        elif shown_kept == shown_duplicate:
            source = "duplicate"
        else:
            source = "combined"
        rows.append(MergeRow(label, shown_primary, shown_duplicate, shown_kept, source))

    add("Email", primary.email, duplicate.email, plan["email"])
    for field in ("first_name", "last_name", "phone", "job_title", "city", "country", "time_zone"):
        label = str(getattr(Contact._meta.get_field(field), "verbose_name", field)).capitalize()
        add(label, getattr(primary, field), getattr(duplicate, field), plan[field])
    add("Company", primary.company, duplicate.company, plan["company"])
    add("Owner", primary.owner, duplicate.owner, plan["owner"])
    add(
        "Lifecycle stage",
        primary.get_lifecycle_stage_display(),
        duplicate.get_lifecycle_stage_display(),
        LifecycleStage(plan["lifecycle_stage"]).label,
    )
    add("Score", primary.score, duplicate.score, plan["score"])
    add(
        "Original source",
        primary.get_original_source_display(),
        duplicate.get_original_source_display(),
        Source(plan["original_source"]).label if plan["original_source"] in Source.values else "",
    )
    labels = {
        prop.key: prop.label for prop in CustomProperty.objects.filter(object_type=PropertyObject.CONTACT)
    }
    primary_properties, duplicate_properties = primary.properties or {}, duplicate.properties or {}
    for key in sorted(set(primary_properties) | set(duplicate_properties)):
        add(
            labels.get(key, key.replace("_", " ").capitalize()),
            primary_properties.get(key),
            duplicate_properties.get(key),
            plan["properties"].get(key),
        )
    return rows


# --- Companies ------------------------------------------------------------------------------------

COMPANY_SORT_KEYS = ("name", "domain", "contacts", "created")
DEFAULT_COMPANY_SORT = "name"


def company_sort_key(value: Any) -> str:
    if isinstance(value, str) and value.removeprefix("-") in COMPANY_SORT_KEYS:
        return value
    return DEFAULT_COMPANY_SORT


def company_search(*, user: Any, q: str = "", sort: str = DEFAULT_COMPANY_SORT) -> QuerySet[Company]:
    """Companies with `contact_count`: how many of their contacts this user may see."""
    visible_contacts = Contact.objects.for_user(user).values("pk")
    companies = (
        Company.objects.for_user(user)
        .select_related("owner")
        .annotate(contact_count=Count("contacts", filter=Q(contacts__in=visible_contacts), distinct=True))
    )
    for term in _search_terms(q):
        companies = companies.filter(
            Q(name__icontains=term) | Q(domain__icontains=term) | Q(industry__icontains=term)
        )
    sort = company_sort_key(sort)
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    expression: Any = {
        "name": Lower("name"),
        "domain": F("domain"),
        "contacts": F("contact_count"),
        "created": F("created_at"),
    }[key]
    ordered = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return companies.order_by(ordered, "-id" if descending else "id")


def company_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Company:
    return get_for_user(Company.objects.select_related("owner"), user, public_id, for_edit=for_edit)


def company_choices(*, user: Any) -> QuerySet[Company]:
    return Company.objects.for_user(user).only("id", "public_id", "name").order_by(Lower("name"), "id")


def company_contact_count(*, user: Any, company: Company) -> int:
    return Contact.objects.for_user(user).filter(company=company).count()


# --- Custom properties ----------------------------------------------------------------------------


def custom_property_list(*, user: Any, object_type: str | None = None) -> QuerySet[CustomProperty]:
    properties = CustomProperty.objects.for_user(user)
    if object_type:
        properties = properties.filter(object_type=object_type)
    return properties.order_by("object_type", "position", "label")


def custom_property_get(*, user: Any, public_id: Any, for_edit: bool = False) -> CustomProperty:
    return get_for_user(CustomProperty.objects.all(), user, public_id, for_edit=for_edit)


# --- Home page ------------------------------------------------------------------------------------


def workspace_overview(*, user: Any) -> dict[str, Any]:
    """The home page's numbers: contacts by stage, new this week vs last, the user's open contacts."""
    contacts = Contact.objects.for_user(user)
    by_stage = dict(contacts.order_by().values_list("lifecycle_stage").annotate(total=Count("id")))
    largest = max(by_stage.values(), default=0)
    now = timezone.now()
    week_ago, two_weeks_ago = now - timedelta(days=7), now - timedelta(days=14)
    numbers = contacts.order_by().aggregate(
        this_week=Count("id", filter=Q(created_at__gte=week_ago)),
        last_week=Count("id", filter=Q(created_at__gte=two_weeks_ago, created_at__lt=week_ago)),
        mine_open=Count("id", filter=Q(owner=user, lifecycle_stage__in=OPEN_STAGES)),
    )
    my_open = list(
        contacts.filter(owner=user, lifecycle_stage__in=OPEN_STAGES)
        .select_related("company")
        .order_by("-score", "-last_activity_at", "-id")[:8]
    )
    this_week, last_week = numbers["this_week"], numbers["last_week"]
    return {
        "total": sum(by_stage.values()),
        "stages": [
            {
                "label": stage.label,
                "value": stage.value,
                "count": by_stage.get(stage.value, 0),
                "percent": round(100 * by_stage.get(stage.value, 0) / largest) if largest else 0,
            }
            for stage in LifecycleStage
        ],
        "new_this_week": this_week,
        "new_last_week": last_week,
        "new_change": this_week - last_week,
        "my_open_count": numbers["mine_open"],
        "my_open": my_open,
    }
