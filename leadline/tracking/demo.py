"""Demo data for the Website screens: one tracked site and a month of plausible visits.

`seed_tracking_demo` is idempotent (it does nothing once a site exists). Some visitors are linked to
existing demo contacts, so their visits also show on contact timelines.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact
from leadline.tracking.models import Site, Visitor

PAGES = [
    ("/", 30), ("/pricing", 14), ("/features", 10), ("/blog/one-line-for-sales-and-marketing", 8),
    ("/blog/lead-scoring-without-guesswork", 6), ("/customers", 5), ("/docs/install", 5), ("/contact", 4),
    ("/about", 3), ("/book-a-demo", 3),
]  # fmt: skip
ARRIVALS = [
    # (weight, source, medium, campaign, referrer)
    (30, "", "", "", ""),
    (22, "google.com", "organic", "", "https://www.google.com/"),
    (10, "google", "cpc", "spring-sale", "https://www.google.com/"),
    (8, "newsletter", "email", "may-digest", ""),
    (8, "linkedin.com", "social", "", "https://www.linkedin.com/"),
    (5, "linkedin", "paid-social", "abm-q2", "https://www.linkedin.com/"),
    (5, "news.ycombinator.com", "referral", "", "https://news.ycombinator.com/"),
    (4, "duckduckgo.com", "organic", "", "https://duckduckgo.com/"),
    (3, "g2.com", "referral", "", "https://www.g2.com/products/leadline"),
]
SEARCHES = ["leadline", "leadline pricing", "crm for small business", "marketing automation tool"]
COMPANIES = ["northwind.example", "globex.example", "initech.example", "umbrella.example", "hooli.example"]


def seed_tracking_demo(*, echo: Callable[[str], object] = print, visitors: int = 260, days: int = 30) -> None:
    if Site.objects.exists():
        return
    rng = random.Random(11)
    host = settings.BASE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    site = Site.objects.create(
        name="Marketing website", allowed_domains=[host, "localhost", "www.example.com"]
    )
    origin = "https://www.example.com"
    contacts = list(Contact.objects.order_by("id")[:25])
    now = timezone.now()
    visitor_rows: list[Visitor] = []
    activity_rows: list[Activity] = []
    page_names, page_weights = zip(*PAGES, strict=True)
    for number in range(visitors):
        visitor_uuid = uuid.uuid4()
        first_seen = now - timedelta(days=rng.uniform(0, days), minutes=rng.uniform(0, 600))
        contact = contacts[number] if number < len(contacts) and rng.random() < 0.7 else None
        moment = first_seen
        first_touch = None
        session_count = page_views = 0
        session_id = uuid.uuid4()
        last_view = first_seen
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            if moment > now:
                break
            session_id = uuid.uuid4()
            session_count += 1
            _weight, source, medium, campaign, referrer = rng.choices(ARRIVALS, [a[0] for a in ARRIVALS])[0]
            first_touch = first_touch or (source, medium, campaign, referrer)
            for index in range(rng.choice([1, 2, 2, 3, 4, 6])):
                if moment > now:
                    break
                path = rng.choices(page_names, page_weights)[0]
                query = (
                    f"?utm_source={source}&utm_medium={medium}&utm_campaign={campaign}"
                    if index == 0 and campaign
                    else ""
                )
                if query and medium == "cpc":  # paid search ads carry what was searched for
                    query += "&utm_term=" + rng.choice(SEARCHES).replace(" ", "+")
                activity_rows.append(
                    Activity(
                        kind=Kind.PAGE_VIEW,
                        occurred_at=moment,
                        contact=contact,
                        visitor_id=visitor_uuid,
                        session_id=session_id,
                        title=path,
                        url=f"{origin}{path}{query}",
                        referrer=referrer if index == 0 else f"{origin}/",
                        source=source if index == 0 else "",
                        medium=medium if index == 0 else "",
                        campaign=campaign if index == 0 else "",
                        data={"page_title": path.strip("/").replace("-", " ").title() or "Home"},
                    )
                )
                page_views += 1
                last_view = moment
                moment += timedelta(seconds=rng.randint(15, 240))
            moment += timedelta(days=rng.uniform(0.5, 8))
        last_seen = min(last_view, now)
        source, medium, campaign, referrer = first_touch or ("", "", "", "")
        visitor_rows.append(
            Visitor(
                site=site,
                visitor_uuid=visitor_uuid,
                first_seen_at=first_seen,
                last_seen_at=last_seen,
                session_id=session_id,
                session_started_at=last_seen,
                session_count=max(1, session_count),
                page_view_count=page_views,
                first_source=source,
                first_medium=medium,
                first_campaign=campaign,
                first_referrer=referrer,
                first_landing_page=f"{origin}/",
                contact=contact,
                identified_at=last_seen if contact else None,
                company_domain=rng.choice(COMPANIES) if contact is None and rng.random() < 0.2 else "",
            )
        )
    with transaction.atomic():
        Visitor.objects.bulk_create(visitor_rows, batch_size=500)
        Activity.objects.bulk_create(activity_rows, batch_size=500)
    echo(f"Tracked site “{site.name}” with {len(visitor_rows)} visitors and {len(activity_rows)} page views.")
