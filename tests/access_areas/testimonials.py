"""Access table of testimonials: everyone signed in sees the list (sales: their contacts' testimonials)
and may ask their contacts for one; admins and marketing moderate and manage walls. The collection
page, the edit confirmation, the wall, its JSON, its embed script and approved photos are public."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.testimonials.links import collect_url, reconsent_url
from leadline.testimonials.models import Testimonial, TestimonialRequest, Wall, photo_storage
from leadline.testimonials.services import CONSENT_TEXT_VERSION
from tests.access_areas import Entry, Route, everyone, importers, oscars, public

M = "/testimonials/manage"
T = f"{M}/{{testimonial}}"
SALES_403 = {"sam": 403, "oscar": 403}
# A 1×1 PNG, for the photo routes.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5d4bd6d0000000049454e44ae426082"
)

UI_ROUTES: dict[str, Entry] = {
    "testimonials:list": everyone(f"{M}/"),
    "testimonials:requests": everyone(f"{M}/requests/"),
    # oscar's contact: sam cannot even find it
    "testimonials:request_create": oscars(f"{M}/requests/new/?contact={{contact}}"),
    "testimonials:detail": oscars(f"{T}/"),
    "testimonials:photo": oscars(f"{T}/photo/"),
    "testimonials:approve": importers(f"{T}/approve/", "POST"),
    "testimonials:reject": importers(f"{T}/reject/", "POST"),
    "testimonials:edit": importers(f"{T}/edit/"),
    "testimonials:proposal_cancel": importers(f"{T}/edit/cancel/", "POST"),
    "testimonials:photo_remove": importers(f"{T}/photo/remove/", "POST"),
    "testimonials:wall_list": everyone(f"{M}/walls/"),
    "testimonials:wall_create": importers(f"{M}/walls/new/"),
    "testimonials:wall_edit": importers(f"{M}/walls/{{testimonial_wall}}/"),
    "testimonials:wall_delete": importers(f"{M}/walls/{{testimonial_wall}}/delete/", "POST"),
    "testimonials_public:collect": public("/testimonials/r/{testimonial_collect_token}/"),
    "testimonials_public:collect_preview": public("/testimonials/r/preview/"),
    "testimonials_public:reconsent": public("/testimonials/c/{testimonial_reconsent_token}/"),
    "testimonials_public:photo": public("/testimonials/p/{testimonial_approved}/"),
    "testimonials_public:wall": public("/testimonials/{testimonial_wall_slug}/"),
    "testimonials_public:wall_json": public("/testimonials/{testimonial_wall_slug}/items.json"),
    "testimonials_public:embed_js": public("/testimonials/{testimonial_wall_slug}/embed.js"),
}

API_ROUTES = [
    Route("testimonial_list_approved", "GET", "/testimonials/approved", "contacts:read"),
    Route("testimonial_list", "GET", "/testimonials", "contacts:read"),
    Route("testimonial_get", "GET", "/testimonials/{testimonial}", "contacts:read"),
    Route("testimonial_approve", "POST", "/testimonials/{testimonial}/approve", "contacts:write"),
    Route(
        "testimonial_reject", "POST", "/testimonials/{testimonial}/reject", "contacts:write", {"reason": ""}
    ),
    Route(
        "testimonial_request_create",
        "POST",
        "/contacts/{contact}/testimonial-requests",
        "contacts:write",
        {"send_email": False},
    ),
]

API_EXPECT: dict[str, dict[str, Any]] = {
    "testimonial_list_approved": {},
    "testimonial_list": {},
    "testimonial_get": {"sam": 404},
    "testimonial_approve": {"sam": 404, "oscar": 403},
    "testimonial_reject": {"sam": 404, "oscar": 403},
    "testimonial_request_create": {"sam": 404},
}


def _testimonial(contact: Contact, status: str) -> Testimonial:
    request = TestimonialRequest.objects.create(
        contact=contact, expires_at=timezone.now() + timedelta(days=30)
    )
    testimonial = Testimonial.objects.create(
        request=request,
        contact=contact,
        status=status,
        rating=5,
        text="Friendly, fast and thorough from start to finish.",
        display_name="Happy customer",
        consent_text_version=CONSENT_TEXT_VERSION,
        submitted_at=timezone.now(),
        decided_at=timezone.now() if status == Testimonial.Status.APPROVED else None,
        proposed={"text": "Friendly, fast and thorough, from start to finish."},
        proposal_version=1,
    )
    name = "testimonials/access-table.png"
    if not photo_storage.exists(name):
        name = photo_storage.save(name, ContentFile(PNG))
    testimonial.photo.name = name
    testimonial.photo_type = "image/png"
    testimonial.save(update_fields=["photo", "photo_type"])
    return testimonial


def _objects(contact: Contact) -> dict[str, str]:
    pending = _testimonial(contact, Testimonial.Status.PENDING)
    published = _testimonial(contact, Testimonial.Status.APPROVED)
    open_request = TestimonialRequest.objects.create(
        contact=contact, expires_at=timezone.now() + timedelta(days=30)
    )
    wall = Wall.objects.create(slug=f"access-{contact.pk}", title="Access wall", min_rating=1)
    return {
        "testimonial": str(pending.public_id),
        "testimonial_approved": str(published.public_id),
        "testimonial_wall": str(wall.public_id),
        "testimonial_wall_slug": wall.slug,
        "testimonial_collect_token": urlsplit(collect_url(open_request.public_id)).path.split("/")[-2],
        "testimonial_reconsent_token": urlsplit(reconsent_url(pending.public_id, 1)).path.split("/")[-2],
    }


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    """Testimonials of oscar's contact, a wall, and the customer's links."""
    return _objects(Contact.objects.get(public_id=ids["contact"]))


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _objects(Contact.objects.get(public_id=ids["contact"]))
