"""Demo data for testimonials: a public wall, testimonials from some of the demo customers (most
approved, two waiting for moderation) and a couple of requests still waiting for an answer.

`seed_testimonials_demo` is idempotent: it does nothing once the demo wall exists. Everything goes
through the same services as the screens and the collection page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from leadline.accounts.models import Role, User
from leadline.contacts.models import Contact, LifecycleStage
from leadline.testimonials.models import TestimonialRequest, Wall
from leadline.testimonials.services import (
    testimonial_approve,
    testimonial_request_create,
    testimonial_submit,
    wall_create,
)

DEMO_WALL_SLUG = "customers"
# (rating, words, approve?)
TESTIMONIALS = [
    (5, "We went from a spreadsheet and three tools to one place. Our first month on it, we answered every "
        "enquiry the same day — and booked twice as many calls.", True),
    (5, "The onboarding was calm and clear. They listened first, then built exactly what we needed, and "
        "nothing we did not.", True),
    (4, "Practical, friendly and quick to reply. The reporting finally shows which campaigns bring in "
        "revenue, not just clicks.", True),
    (5, "Honest advice, even when it meant selling us less. That is why we keep coming back.", True),
    (5, "Our sales and marketing people now look at the same numbers. The weekly meeting got shorter and "
        "a lot more pleasant.", True),
    (4, "Good value and a team that actually picks up the phone. A couple of rough edges early on, fixed "
        "within days.", False),
    (3, "Does what it says. I would like more templates out of the box, but support helped us write our own.", False),
]  # fmt: skip


def _admin() -> User | None:
    return User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id").first()


def _customers(count: int) -> list[Contact]:
    return list(
        Contact.objects.filter(lifecycle_stage=LifecycleStage.CUSTOMER, email__isnull=False)
        .select_related("company")
        .order_by("id")[:count]
    )


def _words(contact: Contact, rating: int, text: str) -> dict[str, Any]:
    return {
        "rating": rating,
        "text": text,
        "display_name": f"{contact.first_name} {contact.last_name[:1]}.".strip()
        if contact.first_name
        else "A customer",
        "role": contact.job_title,
        "company": contact.company.name if contact.company_id and contact.company else "",
    }


def seed_testimonials_demo(*, echo: Callable[[str], object] = print) -> None:
    if Wall.objects.filter(slug=DEMO_WALL_SLUG).exists():
        return
    admin = _admin()
    if admin is None:
        echo("No admin to moderate the demo testimonials; skipped them.")
        return
    customers = _customers(len(TESTIMONIALS) + 2)
    with transaction.atomic():
        wall = wall_create(
            actor=admin,
            data={
                "title": "What our customers say",
                "slug": DEMO_WALL_SLUG,
                "intro": "Real words from real customers, published with their permission.",
                "min_rating": 4,
                "max_items": 24,
                "show_photos": True,
                "only_with_text": True,
                "is_published": True,
            },
        )
        answered = 0
        for contact, (rating, text, approve) in zip(customers, TESTIMONIALS, strict=False):
            request = testimonial_request_create(
                contact=contact, requested_by=admin, source=TestimonialRequest.Source.MANUAL, send_email=False
            )
            testimonial = testimonial_submit(
                request=request, data=_words(contact, rating, text), consent=True, ip_address=None
            )
            if approve:
                testimonial_approve(testimonial=testimonial, actor=admin)
            answered += 1
        waiting = 0
        for contact in customers[len(TESTIMONIALS) :]:
            testimonial_request_create(contact=contact, requested_by=admin)
            waiting += 1
    echo(
        f"Testimonials: {answered} collected ({sum(1 for item in TESTIMONIALS[:answered] if item[2])} on the "
        f"wall at /testimonials/{wall.slug}/), {waiting} requests waiting for an answer."
    )
