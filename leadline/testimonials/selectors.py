"""Reads of the testimonials room: the moderation list, open requests, and what a wall shows.

Walls are read by strangers and embedded on other sites, so what they show is built once into plain
values (text, never markup) and cached until a testimonial or a wall changes.

How other rooms can use the "evangelist" signal: every approval is an activity of kind `testimonial`
with `data.event == "approved"` and `data.signal == "evangelist"` (and `data.rating`). A scoring
rule can award points for it like for any activity kind (filtered on the data), and a segment
condition "has an activity of kind testimonial with signal evangelist" finds every advocate, e.g. to
invite them to a referral programme. A take-down or withdrawal is recorded as `event` "rejected" /
"withdrawn" with `was_public`, so a consumer can also reverse the signal.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.testimonials.links import absolute
from leadline.testimonials.models import Testimonial, TestimonialRequest, Wall
from leadline.testimonials.services import RESERVED_SLUGS, walls_version

SEARCH_MAX_LENGTH = 200
WALL_CACHE_SECONDS = 120
STATUS_FILTERS = ("pending", "approved", "rejected", "withdrawn", "all")


def testimonial_list(*, user: Any, status: str = "pending", q: str = "") -> QuerySet[Testimonial]:
    testimonials = Testimonial.objects.for_user(user).select_related("contact", "decided_by")
    if status in Testimonial.Status.values:
        testimonials = testimonials.filter(status=status)
    q = (q or "").strip()[:SEARCH_MAX_LENGTH]
    if q:
        testimonials = testimonials.filter(
            Q(text__icontains=q)
            | Q(display_name__icontains=q)
            | Q(company__icontains=q)
            | Q(contact__email__icontains=q)
        )
    return testimonials.order_by("-submitted_at", "-id")


def status_counts(*, user: Any) -> dict[str, int]:
    rows = Testimonial.objects.for_user(user).values("status").annotate(count=Count("id")).order_by()
    counts = {status: 0 for status in Testimonial.Status.values}
    for row in rows:
        counts[row["status"]] = row["count"]
    counts["all"] = sum(counts.values())
    return counts


def open_requests(*, user: Any) -> QuerySet[TestimonialRequest]:
    """Requests still waiting for an answer, newest first."""
    return (
        TestimonialRequest.objects.for_user(user)
        .filter(testimonial__isnull=True, expires_at__gt=timezone.now())
        .select_related("contact", "requested_by")
        .order_by("-created_at", "-id")
    )


def contact_for_request(*, user: Any, public_id: Any) -> Contact:
    from leadline.core.access import get_for_user

    return get_for_user(Contact.objects.select_related("company"), user, public_id)


def testimonial_detail(*, user: Any, public_id: Any) -> Testimonial:
    from leadline.core.access import get_for_user

    return get_for_user(
        Testimonial.objects.select_related("contact", "decided_by", "proposed_by", "request__requested_by"),
        user,
        public_id,
    )


def wall_list(*, user: Any) -> QuerySet[Wall]:
    return Wall.objects.for_user(user).order_by("title", "id")


def public_wall_get(slug: Any) -> Wall:
    slug = str(slug or "")
    if not slug or len(slug) > 64 or slug in RESERVED_SLUGS:
        raise Http404("No such wall")
    wall = Wall.objects.filter(slug=slug, is_published=True).first()
    if wall is None:
        raise Http404("No such wall")
    return wall


def wall_testimonials(wall: Wall) -> QuerySet[Testimonial]:
    testimonials = Testimonial.objects.approved().filter(rating__gte=wall.min_rating)
    if wall.only_with_text:
        testimonials = testimonials.exclude(text="")
    return testimonials.order_by("-decided_at", "-id")[: wall.max_items]


def photo_url(testimonial: Testimonial) -> str:
    return absolute(reverse("testimonials_public:photo", args=[testimonial.public_id]))


def wall_items(wall: Wall) -> list[dict[str, Any]]:
    """The wall's testimonials as plain values (escaped wherever they are put into a page)."""

    def build() -> list[dict[str, Any]]:
        return [
            {
                "id": str(testimonial.public_id),
                "rating": testimonial.rating,
                "text": testimonial.text,
                "name": testimonial.display_name,
                "role": testimonial.role,
                "company": testimonial.company,
                "photo": photo_url(testimonial) if wall.show_photos and testimonial.photo else None,
                "date": (testimonial.decided_at or testimonial.submitted_at).date().isoformat(),
            }
            for testimonial in wall_testimonials(wall)
        ]

    key = f"testimonials:wall:{wall.pk}:{wall.updated_at.timestamp()}:{walls_version()}"
    items = cache.get_or_set(key, build, WALL_CACHE_SECONDS)
    return list(items or [])


def wall_summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    if not items:
        return {"count": 0, "average": None}
    average = sum(item["rating"] for item in items) / len(items)
    return {"count": len(items), "average": round(average, 1)}


def wall_payload(wall: Wall) -> dict[str, Any]:
    """What the embed fetches: plain text only; the widget puts it into the page as text, never HTML."""
    items = wall_items(wall)
    return {
        "wall": {"slug": wall.slug, "title": wall.title, "intro": wall.intro, "url": wall_url(wall)},
        "summary": wall_summary(items),
        "items": items,
        "stylesheet": absolute(static("leadline/testimonials-embed.css")),
    }


def wall_url(wall: Wall) -> str:
    return absolute(reverse("testimonials_public:wall", args=[wall.slug]))


def approved_testimonials() -> QuerySet[Testimonial]:
    return Testimonial.objects.approved().order_by("-decided_at", "-id")
