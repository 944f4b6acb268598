"""Reads for tracking: the site lookup of the public endpoint (cached), and the Website screens."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.core.access import get_for_user
from leadline.tracking.models import Site, Visitor

# How long a process trusts what it read about a site key. Edits made in this process take effect
# at once; other web processes pick them up within this time.
SITE_CACHE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What the public endpoint needs to know about a site, without a model instance."""

    id: int
    key: str
    allowed_domains: tuple[str, ...]
    respect_dnt: bool


_site_cache: dict[str, tuple[float, SiteInfo | None]] = {}
_origins_cache: list[tuple[float, tuple[str, ...]]] = []
_cache_lock = threading.Lock()


def site_cache_forget(key: str | None = None) -> None:
    with _cache_lock:
        if key is None:
            _site_cache.clear()
        else:
            _site_cache.pop(key, None)
        _origins_cache.clear()


def site_for_key(key: str) -> SiteInfo | None:
    """The site with this public key, or None. Cached per process for a few seconds."""
    now = time.monotonic()
    cached = _site_cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    row = Site.objects.filter(key=key).values_list("id", "allowed_domains", "respect_dnt").first()
    info = None
    if row is not None:
        domains = tuple(str(domain) for domain in (row[1] or []) if isinstance(domain, str))
        info = SiteInfo(id=row[0], key=key, allowed_domains=domains, respect_dnt=bool(row[2]))
    with _cache_lock:
        if len(_site_cache) > 10_000:
            _site_cache.clear()
        _site_cache[key] = (now + (SITE_CACHE_SECONDS if info is not None else 2.0), info)
    return info


def _all_allowed_domains() -> tuple[str, ...]:
    now = time.monotonic()
    if _origins_cache and _origins_cache[0][0] > now:
        return _origins_cache[0][1]
    domains = tuple(
        {domain for row in Site.objects.values_list("allowed_domains", flat=True) for domain in (row or [])}
    )
    with _cache_lock:
        _origins_cache[:] = [(now + SITE_CACHE_SECONDS, domains)]
    return domains


def origin_host(origin: str) -> tuple[str, int | None] | None:
    """(host, port) of an Origin or Referer header value; None when it is absent or not http(s)."""
    if not origin or origin == "null":
        return None
    try:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        return parts.hostname.lower(), parts.port
    except ValueError:
        return None


def domain_allows(entry: str, host: str, port: int | None) -> bool:
    pattern, _, entry_port = entry.partition(":")
    if entry_port and (port is None or str(port) != entry_port):
        return False
    if pattern.startswith("*."):
        base = pattern[2:]
        return host == base or host.endswith("." + base)
    return host == pattern


def origin_allowed(origin: str, allowed_domains: tuple[str, ...] | list[str]) -> bool:
    parsed = origin_host(origin)
    if parsed is None:
        return False
    host, port = parsed
    return any(domain_allows(entry, host, port) for entry in allowed_domains)


def origin_allowed_by_any_site(origin: str) -> bool:
    """For CORS preflights, which carry no body and so no site key."""
    return origin_allowed(origin, _all_allowed_domains())


# --- Screens --------------------------------------------------------------------------------------


def site_list(*, user: Any) -> QuerySet[Site]:
    return Site.objects.for_user(user).select_related("created_by").annotate(visitor_total=Count("visitors"))


def site_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Site:
    return get_for_user(Site.objects, user, public_id, for_edit=for_edit)


def site_choices(*, user: Any) -> list[Site]:
    return list(Site.objects.for_user(user).only("public_id", "name"))


def _page_views(*, site: Site | None) -> QuerySet[Activity]:
    views = Activity.objects.filter(kind=Kind.PAGE_VIEW)
    if site is not None:
        views = views.filter(visitor_id__in=Visitor.objects.filter(site=site).values("visitor_uuid"))
    return views


@dataclass(frozen=True)
class DayCount:
    day: date
    views: int


@dataclass(frozen=True)
class WebsiteOverview:
    days: list[DayCount]
    total_views: int
    visitors: int
    sessions: int
    identified: int
    top_pages: Sequence[Mapping[str, Any]]
    top_sources: Sequence[Mapping[str, Any]]
    companies: Sequence[Mapping[str, Any]]

    @property
    def chart(self) -> dict[str, list[Any]]:
        return {
            "labels": [day.day.strftime("%d %b") for day in self.days],
            "values": [day.views for day in self.days],
        }


def website_overview(
    *, user: Any, site: Site | None = None, days: int = 30, now: datetime | None = None
) -> WebsiteOverview:
    """Traffic of the last `days` days: views per day, top pages and sources, companies visiting.

    A fixed handful of queries whatever the traffic; every figure is an aggregate in the database.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first_day, datetime.min.time()))
    recent = _page_views(site=site).filter(occurred_at__gte=start)

    per_day = dict(
        recent.annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(views=Count("id"))
        .values_list("day", "views")
    )
    day_counts = [DayCount(first_day + timedelta(days=offset), 0) for offset in range(days)]
    day_counts = [DayCount(entry.day, per_day.get(entry.day, 0)) for entry in day_counts]

    totals = recent.aggregate(
        visitors=Count("visitor_id", distinct=True), sessions=Count("session_id", distinct=True)
    )
    top_pages = list(recent.values("title").annotate(views=Count("id")).order_by("-views", "title")[:10])
    top_sources = list(
        recent.exclude(source="")
        .values("source", "medium")
        .annotate(visits=Count("session_id", distinct=True), views=Count("id"))
        .order_by("-visits", "source")[:10]
    )
    visitors = Visitor.objects.for_user(user)
    if site is not None:
        visitors = visitors.filter(site=site)
    identified = visitors.filter(contact__isnull=False, last_seen_at__gte=start).count()
    companies = list(
        visitors.filter(contact__isnull=True, last_seen_at__gte=start)
        .exclude(company_domain="")
        .values("company_domain")
        .annotate(visitors=Count("id"), views=Sum("page_view_count"), last_seen=Max("last_seen_at"))
        .order_by("-last_seen")[:10]
    )
    return WebsiteOverview(
        days=day_counts,
        total_views=sum(day.views for day in day_counts),
        visitors=totals["visitors"] or 0,
        sessions=totals["sessions"] or 0,
        identified=identified,
        top_pages=top_pages,
        top_sources=top_sources,
        companies=companies,
    )


def anonymous_visitors(
    *, user: Any, site: Site | None = None, domain: str = "", q: str = ""
) -> QuerySet[Visitor]:
    """Recent visitors nobody has identified yet, newest first; with their site in the same query."""
    visitors = Visitor.objects.for_user(user).filter(contact__isnull=True).select_related("site")
    if site is not None:
        visitors = visitors.filter(site=site)
    if domain:
        visitors = visitors.filter(company_domain=domain.strip().lower())
    if q:
        term = q.strip()[:100]
        visitors = visitors.filter(
            Q(company_domain__icontains=term)
            | Q(first_source__icontains=term)
            | Q(first_campaign__icontains=term)
            | Q(first_landing_page__icontains=term)
        )
    return visitors.order_by("-last_seen_at", "-id")
