"""What the predictive score learns from: which contacts of the workspace's history became customers
(and when), and each contact's features as they stood before that moment: fit (company size,
industry, country, job level, source), engagement counts from the activity log and the rule score."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.countries import country_choices
from leadline.contacts.models import Contact, LifecycleStage, Source

# Page views are counted apart from pricing-page visits, so that the two tell different things.
CUSTOMER_STAGES = (LifecycleStage.CUSTOMER, LifecycleStage.EVANGELIST)
# A lead created this long ago that has not bought is counted as one that did not convert.
MATURITY_DAYS = 90
PRICING_URL = "/pricing"

CATEGORICAL = ("company_size", "industry", "country", "job_level", "source")
NUMERIC = (
    "page_views",
    "pricing_views",
    "form_submits",
    "email_opens",
    "email_clicks",
    "meetings",
    "rule_score",
)
FEATURES = CATEGORICAL + NUMERIC
FEATURE_LABELS = {
    "company_size": "Company size",
    "industry": "Industry",
    "country": "Country",
    "job_level": "Job title",
    "source": "Source",
    "page_views": "Page views besides pricing",
    "pricing_views": "Pricing page visits",
    "form_submits": "Forms submitted",
    "email_opens": "Emails opened",
    "email_clicks": "Email links clicked",
    "meetings": "Meetings",
    "rule_score": "Rule score",
}
UNKNOWN = "unknown"

# (upper bound inclusive, label): the size buckets a company falls into.
SIZE_BUCKETS = ((10, "1–10"), (50, "11–50"), (200, "51–200"), (1000, "201–1,000"))
SIZE_TOP = "1,001+"

# Job levels by keyword, the most senior first: the first level with a matching word wins.
JOB_LEVELS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "c_level",
        frozenset(
            {
                "ceo",
                "cto",
                "cfo",
                "coo",
                "cmo",
                "cio",
                "cro",
                "chief",
                "founder",
                "cofounder",
                "owner",
                "president",
            }
        ),
    ),
    ("vp", frozenset({"vp", "svp", "evp", "vice"})),
    ("director", frozenset({"director"})),
    ("head", frozenset({"head"})),
    ("manager", frozenset({"manager", "lead", "supervisor"})),
    ("student", frozenset({"student", "intern", "trainee"})),
)
JOB_LEVEL_TEXT = {
    "c_level": "C-level or founder job title",
    "vp": "VP job title",
    "director": "Director job title",
    "head": "Head-of job title",
    "manager": "Manager job title",
    "student": "Student or intern job title",
    "individual": "Individual contributor job title",
    UNKNOWN: "No job title",
}
WORDS = re.compile(r"[a-z0-9]+")

ENGAGEMENT_KINDS = (
    Kind.PAGE_VIEW,
    Kind.FORM_SUBMITTED,
    Kind.EMAIL_OPENED,
    Kind.EMAIL_CLICKED,
    Kind.MEETING_BOOKED,
    Kind.MEETING_LOGGED,
)


# --- Fit ----------------------------------------------------------------------------------------


def company_size(employees: int | None) -> str:
    if employees is None or employees <= 0:
        return UNKNOWN
    for limit, label in SIZE_BUCKETS:
        if employees <= limit:
            return label
    return SIZE_TOP


def job_level(title: str) -> str:
    words = set(WORDS.findall((title or "").casefold()))
    if not words:
        return UNKNOWN
    for level, keywords in JOB_LEVELS:
        if words & keywords:
            return level
    return "individual"


def _category(value: str | None) -> str:
    value = (value or "").strip().casefold()
    return value[:80] if value else UNKNOWN


def fit_features(contact: Contact) -> dict[str, str]:
    company = contact.company
    return {
        "company_size": company_size(company.employee_count if company else None),
        "industry": _category(company.industry if company else ""),
        "country": (contact.country or (company.country if company else "")).strip().upper() or UNKNOWN,
        "job_level": job_level(contact.job_title),
        "source": contact.original_source or UNKNOWN,
    }


# --- Engagement ---------------------------------------------------------------------------------


def _empty_counts() -> dict[str, float]:
    return {name: 0.0 for name in NUMERIC if name != "rule_score"}


def _count_into(counts: dict[str, float], kind: str, url: str) -> None:
    if kind == Kind.PAGE_VIEW:
        counts["pricing_views" if PRICING_URL in (url or "").casefold() else "page_views"] += 1
    elif kind == Kind.FORM_SUBMITTED:
        counts["form_submits"] += 1
    elif kind == Kind.EMAIL_OPENED:
        counts["email_opens"] += 1
    elif kind == Kind.EMAIL_CLICKED:
        counts["email_clicks"] += 1
    elif kind in (Kind.MEETING_BOOKED, Kind.MEETING_LOGGED):
        counts["meetings"] += 1


def engagement_counts(
    contact_ids: Sequence[int], cutoffs: dict[int, datetime] | None = None
) -> dict[int, dict[str, float]]:
    """Engagement counts per contact. Contacts with a cutoff count only what happened before it."""
    cutoffs = cutoffs or {}
    counts: dict[int, dict[str, float]] = defaultdict(_empty_counts)
    open_ids = [pk for pk in contact_ids if pk not in cutoffs]
    if open_ids:
        rows = (
            Activity.objects.filter(contact_id__in=open_ids, kind__in=ENGAGEMENT_KINDS)
            .values("contact_id")
            .annotate(
                page_views=Count("id", filter=Q(kind=Kind.PAGE_VIEW) & ~Q(url__icontains=PRICING_URL)),
                pricing_views=Count("id", filter=Q(kind=Kind.PAGE_VIEW, url__icontains=PRICING_URL)),
                form_submits=Count("id", filter=Q(kind=Kind.FORM_SUBMITTED)),
                email_opens=Count("id", filter=Q(kind=Kind.EMAIL_OPENED)),
                email_clicks=Count("id", filter=Q(kind=Kind.EMAIL_CLICKED)),
                meetings=Count("id", filter=Q(kind__in=[Kind.MEETING_BOOKED, Kind.MEETING_LOGGED])),
            )
            .order_by()
        )
        for row in rows:
            found: dict[str, Any] = dict(row)
            contact_id = found.pop("contact_id")
            counts[contact_id] = {name: float(value) for name, value in found.items()}
    closed_ids = [pk for pk in contact_ids if pk in cutoffs]
    if closed_ids:
        # Each contact has its own cutoff (the moment it converted), so count these rows here.
        latest = max(cutoffs[pk] for pk in closed_ids)
        rows_before = (
            Activity.objects.filter(
                contact_id__in=closed_ids, kind__in=ENGAGEMENT_KINDS, occurred_at__lt=latest
            )
            .values_list("contact_id", "kind", "url", "occurred_at")
            .order_by()
        )
        for contact_id, kind, url, occurred_at in rows_before.iterator(chunk_size=5000):
            if occurred_at < cutoffs[contact_id]:
                _count_into(counts[contact_id], kind, url)
    return counts


def rule_scores_before(contact_ids: Sequence[int], cutoffs: dict[int, datetime]) -> dict[int, float | None]:
    """The rule score each contact had just before its cutoff, from the score changes on its timeline.

    None when no score change came before it (scoring started later, or the contact was imported
    as a customer): the current score would tell what they did after buying, so it stays unknown
    and the model fills in the average, which makes it count for nothing.
    """
    found: dict[int, tuple[datetime, float]] = {}
    if not contact_ids:
        return {}
    latest = max(cutoffs[pk] for pk in contact_ids)
    rows = (
        Activity.objects.filter(contact_id__in=contact_ids, kind=Kind.SCORE_CHANGED, occurred_at__lt=latest)
        .values_list("contact_id", "occurred_at", "data__to")
        .order_by()
    )
    for contact_id, occurred_at, score in rows.iterator(chunk_size=5000):
        if (
            occurred_at >= cutoffs[contact_id]
            or isinstance(score, bool)
            or not isinstance(score, int | float)
        ):
            continue
        if contact_id not in found or occurred_at > found[contact_id][0]:
            found[contact_id] = (occurred_at, float(score))
    return {pk: found[pk][1] if pk in found else None for pk in contact_ids}


# --- Rows ---------------------------------------------------------------------------------------


def engagement_first_seen() -> dict[str, datetime | None]:
    """When each engagement count was first recorded anywhere in the workspace (tracking installed,
    first email sent…). Before that moment a count of zero means "not watched", not "did nothing"."""
    emails = [Kind.EMAIL_SENT, Kind.EMAIL_OPENED, Kind.EMAIL_CLICKED]
    firsts = Activity.objects.filter(kind__in=[*ENGAGEMENT_KINDS, Kind.EMAIL_SENT]).aggregate(
        page_views=Min("occurred_at", filter=Q(kind=Kind.PAGE_VIEW)),
        pricing_views=Min("occurred_at", filter=Q(kind=Kind.PAGE_VIEW)),
        form_submits=Min("occurred_at", filter=Q(kind=Kind.FORM_SUBMITTED)),
        email_opens=Min("occurred_at", filter=Q(kind__in=emails)),
        email_clicks=Min("occurred_at", filter=Q(kind__in=emails)),
        meetings=Min("occurred_at", filter=Q(kind__in=[Kind.MEETING_BOOKED, Kind.MEETING_LOGGED])),
    )
    return dict(firsts)


def feature_rows(
    contacts: Sequence[Contact],
    cutoffs: dict[int, datetime] | None = None,
    first_seen: dict[str, datetime | None] | None = None,
) -> list[dict[str, Any]]:
    """One dict of every feature per contact (in the order given). Contacts need `company` loaded.

    Contacts with a cutoff (the moment they bought) count only what came before it; a count that
    nobody could have recorded yet by then (`first_seen`) is unknown (None), not zero, so that
    customers from before tracking began do not teach that visiting the website means not buying.
    """
    cutoffs = {pk: at for pk, at in (cutoffs or {}).items() if at is not None}
    first_seen = first_seen or {}
    ids = [contact.pk for contact in contacts]
    counts = engagement_counts(ids, cutoffs)
    past_scores = rule_scores_before([pk for pk in ids if pk in cutoffs], cutoffs)
    rows = []
    for contact in contacts:
        row: dict[str, Any] = fit_features(contact)
        row.update(counts.get(contact.pk) or _empty_counts())
        cutoff = cutoffs.get(contact.pk)
        if cutoff is not None:
            for name, seen in first_seen.items():
                if seen is not None and cutoff <= seen:
                    row[name] = None
        row["rule_score"] = past_scores[contact.pk] if cutoff is not None else float(contact.score)
        rows.append(row)
    return rows


# --- History ------------------------------------------------------------------------------------


@dataclass
class History:
    """The labelled history: who became a customer (with when, if known) and who did not."""

    converted_at: dict[int, datetime | None]
    non_customer_ids: list[int]

    @property
    def customers(self) -> int:
        return len(self.converted_at)

    @property
    def non_customers(self) -> int:
        return len(self.non_customer_ids)


def history_load(*, now: datetime | None = None) -> History:
    now = now or timezone.now()
    converted_at: dict[int, datetime | None] = {}

    def earliest(rows: Iterable[Any]) -> None:
        for row in rows:
            current = converted_at.get(row["contact_id"])
            converted_at[row["contact_id"]] = row["at"] if current is None else min(current, row["at"])

    earliest(
        Activity.objects.filter(kind=Kind.ORDER_PLACED, contact__isnull=False)
        .values("contact_id")
        .annotate(at=Min("occurred_at"))
        .order_by()
    )
    earliest(
        Activity.objects.filter(kind=Kind.STAGE_CHANGED, contact__isnull=False, data__to__in=CUSTOMER_STAGES)
        .values("contact_id")
        .annotate(at=Min("occurred_at"))
        .order_by()
    )
    for pk in Contact.objects.filter(lifecycle_stage__in=CUSTOMER_STAGES).values_list("pk", flat=True):
        converted_at.setdefault(pk, None)
    matured = now - timedelta(days=MATURITY_DAYS)
    candidates = (
        Contact.objects.filter(created_at__lte=matured)
        .exclude(lifecycle_stage__in=[*CUSTOMER_STAGES, LifecycleStage.OTHER])
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    non_customer_ids = [pk for pk in candidates.iterator(chunk_size=10_000) if pk not in converted_at]
    return History(converted_at=converted_at, non_customer_ids=non_customer_ids)


# --- Plain words --------------------------------------------------------------------------------


@cache
def _country_names() -> dict[str, str]:
    return dict(country_choices())


def _times(count: float, singular: str, plural: str) -> str:
    number = round(count)
    return f"{number:,} {singular if number == 1 else plural}"


def describe(feature: str, value: Any) -> str:
    """A feature's value for one contact in plain words, e.g. "Visited pricing 3×"."""
    if feature == "company_size":
        return "Company size unknown" if value == UNKNOWN else f"Company size {value}"
    if feature == "industry":
        return "Industry unknown" if value == UNKNOWN else f"Industry: {str(value).capitalize()}"
    if feature == "country":
        return "Country unknown" if value == UNKNOWN else f"Country: {_country_names().get(value, value)}"
    if feature == "job_level":
        return JOB_LEVEL_TEXT.get(value, "Job title")
    if feature == "source":
        labels = dict(Source.choices)
        return "Source unknown" if value == UNKNOWN else f"Came from {labels.get(value, value).lower()}"
    if feature == "rule_score":
        return "Rule score unknown" if value is None else f"Rule score {round(float(value))}"
    if value is None:
        return f"{FEATURE_LABELS.get(feature, feature)}: not recorded yet"
    count = float(value)
    if feature == "pricing_views":
        return "Never visited pricing" if count == 0 else f"Visited pricing {int(count):,}×"
    if feature == "page_views":
        return (
            "No page views besides pricing"
            if count == 0
            else f"Viewed {_times(count, 'page', 'pages')} besides pricing"
        )
    if feature == "form_submits":
        return "Submitted no forms" if count == 0 else f"Submitted {_times(count, 'form', 'forms')}"
    if feature == "email_opens":
        return "Opened no emails" if count == 0 else f"Opened {_times(count, 'email', 'emails')}"
    if feature == "email_clicks":
        return (
            "Clicked no email links"
            if count == 0
            else f"Clicked {_times(count, 'email link', 'email links')}"
        )
    if feature == "meetings":
        return "No meetings" if count == 0 else _times(count, "meeting", "meetings").capitalize()
    return f"{FEATURE_LABELS.get(feature, feature)}: {value}"


def signed_log(value: Any) -> Any:
    """log(1 + |x|) with x's sign: counts grow fast, and the tenth visit tells less than the second.
    Module level so that a stored pipeline can be unpickled."""
    import numpy as np

    array = np.asarray(value, dtype=float)
    return np.sign(array) * np.log1p(np.abs(array))


def is_finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
