"""Writes of the testimonials room: requests (by hand, by a workflow, through the API), the customer's
submission, moderation, team edits that wait for the customer's re-consent, and walls.

Every step a person would want to see later lands on the contact's timeline as a `testimonial`
activity whose `data.event` says which step it was. An approval also carries
`{"signal": "evangelist"}`: scoring and segments can count "approved testimonials" as advocacy
without knowing anything about this room (see the module notes in `selectors.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from leadline.activity.models import Kind
from leadline.activity.services import activity_record
from leadline.contacts.models import ConsentRecord, Contact
from leadline.contacts.services import consent_record
from leadline.core.access import PermissionDeniedForRole
from leadline.core.notifications import notify
from leadline.core.services import audit_record
from leadline.mail.merge_tags import scan
from leadline.mail.models import Template
from leadline.mail.outbox import Outgoing, outbox_enqueue
from leadline.testimonials.links import REQUEST_VALID_FOR, collect_preview_url, collect_url, reconsent_url
from leadline.testimonials.models import Testimonial, TestimonialRequest, Wall
from leadline.testimonials.photos import CheckedPhoto

CONSENT_PURPOSE = "testimonial_publish"
CONSENT_TEXT = (
    "I agree that my testimonial, with the star rating, name, role, company and photo I gave, may be "
    "published on the website and in the marketing of the business that asked for it. I can ask for it "
    "to be taken down at any time."
)
CONSENT_TEXT_VERSION = "testimonial-publish-2026-11"
RECONSENT_TEXT = (
    "I agree that the edited version of my testimonial shown above may be published instead of the one "
    "I sent, on the same terms as before."
)
RECONSENT_TEXT_VERSION = "testimonial-reconsent-2026-11"
WITHDRAW_TEXT = "I withdraw my permission to publish my testimonial."

TEXT_MAX_LENGTH = 2000
TEXT_MIN_LENGTH = 10
NAME_MAX_LENGTH = 120
REASON_MAX_LENGTH = 500
EDITABLE_FIELDS = ("rating", "text", "display_name", "role", "company")
FIELD_LABELS = {
    "rating": "Rating",
    "text": "Testimonial",
    "display_name": "Name",
    "role": "Role",
    "company": "Company",
}
RESERVED_SLUGS = frozenset({"manage", "r", "c", "p", "static", "api", "embed"})
WALLS_VERSION_KEY = "testimonials:walls:version"

REQUEST_SUBJECT = "Would you share a few words about working with us?"
REQUEST_BODY = """\
Hi {{ first_name | default:"there" }},

Thank you for working with us. Would you tell us, in a few words, how it went? It takes about two \
minutes, and nothing is published without your permission.

[Share your experience]({{ testimonial_url }})

The link is personal to you and works until {{ testimonial_expires }}.

Thank you,
{{ sender_name }}
"""
RECONSENT_SUBJECT = "Please confirm a small edit to your testimonial"
RECONSENT_BODY = """\
Hi {{ first_name | default:"there" }},

Thank you again for your testimonial. We would like to make a small edit before it is shown, and we \
only publish your words with your say-so.

[See the edit and confirm it]({{ reconsent_url }})

If you would rather keep your original words, you can say so on the same page. The link works for 30 days.

Thank you,
{{ sender_name }}
"""


# --- Requests -------------------------------------------------------------------------------------


def _fill_link_tags(source: str, links: Mapping[str, str]) -> str:
    """Put our own links into `source`, leaving every other merge tag for the sending engine."""
    parts = []
    for piece in scan(source, set(links), keep_blocks=True):
        if piece.tag is not None:
            parts.append(links[piece.tag.name])
        else:
            parts.append(piece.source or piece.text)
    return "".join(parts)


def _request_email(request: TestimonialRequest, template: Template | None) -> tuple[str, str]:
    links = {
        "testimonial_url": collect_url(request.public_id),
        "testimonial_expires": f"{request.expires_at.day} {request.expires_at:%B %Y}",
    }
    if template is None:
        return REQUEST_SUBJECT, _fill_link_tags(REQUEST_BODY, links)
    body = template.body
    if "testimonial_url" not in {piece.tag.name for piece in scan(body, set(links)) if piece.tag}:
        body = body.rstrip() + "\n\n[Share your experience]({{ testimonial_url }})\n"
    return _fill_link_tags(template.subject, links), _fill_link_tags(body, links)


def testimonial_request_create(
    *,
    contact: Contact,
    requested_by: Any = None,
    source: str = TestimonialRequest.Source.MANUAL,
    send_email: bool = True,
    template: Template | None = None,
    key: str = "",
) -> TestimonialRequest:
    """Ask `contact` for a testimonial: a request with a signed link, and (with `send_email`) the
    email carrying it, queued on the outbox as transactional mail under `testimonial:<request id>`.

    `template` is a transactional template to write the email from; `{{ testimonial_url }}` in it
    becomes the link (added at the end when the template lacks it). `key` makes the call idempotent
    for callers that may repeat it (a workflow step): the same key returns the same request.
    """
    if source not in TestimonialRequest.Source.values:
        raise ValidationError({"source": "Unknown source of the request."})
    if send_email and not contact.email:
        raise ValidationError(f"{contact.display_name} has no email address. Add one to their record first.")
    if template is not None and (
        template.kind != Template.Kind.TRANSACTIONAL or template.format != "markdown"
    ):
        raise ValidationError({"template": "Choose a transactional template written in Markdown."})
    key = (key or "").strip()[:200]
    if key:
        existing = TestimonialRequest.objects.filter(source_key=key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    with transaction.atomic():
        request = TestimonialRequest.objects.create(
            contact=contact,
            requested_by=requested_by if getattr(requested_by, "pk", None) else None,
            source=source,
            expires_at=now + REQUEST_VALID_FOR,
            source_key=key or None,
        )
        if send_email:
            assert contact.email is not None
            subject, body = _request_email(request, template)
            message = outbox_enqueue(
                Outgoing(
                    key=f"testimonial:{request.public_id}",
                    to_email=contact.email,
                    contact=contact,
                    template=template,
                    kind=Template.Kind.TRANSACTIONAL,
                    subject=subject,
                    body=body,
                    sent_by=request.requested_by,
                )
            )
            request.email_key = message.key
            request.save(update_fields=["email_key", "updated_at"])
        activity_record(
            kind=Kind.TESTIMONIAL,
            contact=contact,
            actor=request.requested_by,
            title="Asked for a testimonial",
            data={
                "event": "requested",
                "request": str(request.public_id),
                "source": source,
                "emailed": send_email,
                "via": "workflow" if source == TestimonialRequest.Source.WORKFLOW else source,
            },
        )
    return request


def testimonial_request_url(
    request: TestimonialRequest | None = None,
    *,
    contact: Contact | None = None,
    source: str = "",
    preview: bool = False,
) -> str:
    """The signed collection link of `request`.

    Called with `contact` (and a `source` key naming the caller, e.g. a workflow step) instead, it
    makes (once per key) a request without an email of its own and returns its link, so that a
    workflow can put the link into the email it sends itself. With `preview` (a workflow's test
    run) no request is made: the link opens a preview of the page that saves nothing.
    """
    if preview:
        return collect_preview_url()
    if request is None:
        if contact is None:
            raise ValueError("Give a request, or a contact to make one for.")
        request = testimonial_request_create(
            contact=contact,
            source=TestimonialRequest.Source.WORKFLOW,
            send_email=False,
            key=str(source or ""),
        )
    return collect_url(request.public_id)


def request_is_open(request: TestimonialRequest) -> bool:
    return request.expires_at > timezone.now()


# --- The customer's side --------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    rating: int
    text: str
    display_name: str
    role: str = ""
    company: str = ""


def clean_submission(data: Mapping[str, Any]) -> dict[str, Any]:
    """The words of a testimonial, checked the same way for the customer and for a team edit."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    rating = data.get("rating")
    try:
        rating = int(rating)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        rating = None
    if rating is None or not 1 <= rating <= 5:
        errors.setdefault("rating", []).append("Choose from one to five stars.")
    cleaned["rating"] = rating
    text = str(data.get("text") or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) < TEXT_MIN_LENGTH:
        errors.setdefault("text", []).append(f"Write at least {TEXT_MIN_LENGTH} characters.")
    elif len(text) > TEXT_MAX_LENGTH:
        errors.setdefault("text", []).append(f"At most {TEXT_MAX_LENGTH:,} characters.")
    cleaned["text"] = text
    for field, required in (("display_name", True), ("role", False), ("company", False)):
        value = " ".join(str(data.get(field) or "").replace("\x00", "").split())
        if required and not value:
            errors.setdefault(field, []).append("Tell us how to show your name.")
        elif len(value) > NAME_MAX_LENGTH:
            errors.setdefault(field, []).append(f"At most {NAME_MAX_LENGTH} characters.")
        cleaned[field] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _store_photo(testimonial: Testimonial, photo: CheckedPhoto) -> str:
    """Save the photo under a name of our choosing; returns the old file's name to remove later."""
    old_name = testimonial.photo.name or ""
    testimonial.photo.save(f"{uuid.uuid4().hex}.{photo.extension}", ContentFile(photo.content), save=False)
    testimonial.photo_type = photo.content_type
    return old_name


def _delete_file_later(name: str) -> None:
    if not name:
        return
    storage = Testimonial._meta.get_field("photo").storage
    transaction.on_commit(lambda: storage.delete(name))


def testimonial_submit(
    *,
    request: TestimonialRequest,
    data: Mapping[str, Any],
    consent: bool,
    photo: CheckedPhoto | None = None,
    remove_photo: bool = False,
    ip_address: str | None = None,
) -> Testimonial:
    """Record what the customer sent. A second submission through the same link changes the first,
    as long as it waits for approval; once decided, it can no longer be changed this way."""
    if not request_is_open(request):
        raise ValidationError("This link has expired.")
    cleaned = clean_submission(data)
    if not consent:
        raise ValidationError({"consent": "Tick the box to let us publish your testimonial."})
    now = timezone.now()
    with transaction.atomic():
        request = TestimonialRequest.objects.select_for_update().select_related("contact").get(pk=request.pk)
        testimonial = Testimonial.objects.filter(request=request).first()
        first = testimonial is None
        if testimonial is None:
            testimonial = Testimonial(request=request, contact=request.contact)
        elif testimonial.status != Testimonial.Status.PENDING:
            raise ValidationError(
                "Your testimonial was already reviewed, so it can no longer be changed here."
            )
        for field, value in cleaned.items():
            setattr(testimonial, field, value)
        testimonial.consent_text_version = CONSENT_TEXT_VERSION
        testimonial.submitted_at = now
        old_photo = ""
        if photo is not None:
            old_photo = _store_photo(testimonial, photo)
        elif remove_photo and testimonial.photo:
            old_photo = testimonial.photo.name or ""
            testimonial.photo = ""
            testimonial.photo_type = ""
        testimonial.save()
        _delete_file_later(old_photo)
        consent_record(
            contact=request.contact,
            status=ConsentRecord.Status.GRANTED,
            purpose=CONSENT_PURPOSE,
            text=CONSENT_TEXT,
            text_version=CONSENT_TEXT_VERSION,
            source="Testimonial collection page",
            ip_address=ip_address,
            recorded_at=now,
        )
        activity_record(
            kind=Kind.TESTIMONIAL,
            contact=request.contact,
            occurred_at=now,
            title=f"{'Sent' if first else 'Changed'} a testimonial ({testimonial.rating}★)",
            data={
                "event": "submitted" if first else "resubmitted",
                "testimonial": str(testimonial.public_id),
                "rating": testimonial.rating,
                "excerpt": testimonial.text[:200],
            },
        )
        if first:
            _notify_team(testimonial, request)
    return testimonial


def _notify_team(testimonial: Testimonial, request: TestimonialRequest) -> None:
    from django.urls import reverse

    contact = request.contact
    for user in {request.requested_by, contact.owner}:
        if user is None:
            continue
        notify(
            user=user,
            kind="testimonial.submitted",
            title=f"New testimonial from {contact.display_name} ({testimonial.rating}★)",
            body=testimonial.text[:300],
            url=reverse("testimonials:detail", args=[testimonial.public_id]),
            key=f"testimonial.submitted:{testimonial.public_id}:{user.pk}",
        )


def testimonial_withdraw(*, testimonial: Testimonial, ip_address: str | None = None) -> Testimonial:
    """The customer takes their permission back: the testimonial leaves every wall at once."""
    if testimonial.status == Testimonial.Status.WITHDRAWN:
        return testimonial
    now = timezone.now()
    with transaction.atomic():
        was_public = testimonial.status == Testimonial.Status.APPROVED
        testimonial.status = Testimonial.Status.WITHDRAWN
        testimonial.decided_at = now
        testimonial.decided_by = None
        testimonial.proposed = {}
        testimonial.save(update_fields=["status", "decided_at", "decided_by", "proposed", "updated_at"])
        consent_record(
            contact=testimonial.contact,
            status=ConsentRecord.Status.WITHDRAWN,
            purpose=CONSENT_PURPOSE,
            text=WITHDRAW_TEXT,
            text_version=CONSENT_TEXT_VERSION,
            source="Testimonial collection page",
            ip_address=ip_address,
            recorded_at=now,
        )
        activity_record(
            kind=Kind.TESTIMONIAL,
            contact=testimonial.contact,
            occurred_at=now,
            title="Withdrew their testimonial",
            data={"event": "withdrawn", "testimonial": str(testimonial.public_id), "was_public": was_public},
        )
        audit_record(actor=None, action="testimonial.withdrawn", target=testimonial, summary=str(testimonial))
        transaction.on_commit(walls_changed)
    return testimonial


# --- Moderation -----------------------------------------------------------------------------------


def _require_moderator(actor: Any) -> None:
    if not (getattr(actor, "is_admin", False) or getattr(actor, "is_marketing", False)):
        raise PermissionDeniedForRole("Only admins and marketing moderate testimonials.")


def testimonial_approve(*, testimonial: Testimonial, actor: Any) -> Testimonial:
    _require_moderator(actor)
    if testimonial.status == Testimonial.Status.APPROVED:
        return testimonial
    if testimonial.status == Testimonial.Status.WITHDRAWN:
        raise ValidationError("The customer withdrew this testimonial; it cannot be published.")
    now = timezone.now()
    with transaction.atomic():
        testimonial.status = Testimonial.Status.APPROVED
        testimonial.decided_at = now
        testimonial.decided_by = actor
        testimonial.rejection_reason = ""
        testimonial.save(
            update_fields=["status", "decided_at", "decided_by", "rejection_reason", "updated_at"]
        )
        activity_record(
            kind=Kind.TESTIMONIAL,
            contact=testimonial.contact,
            actor=actor,
            occurred_at=now,
            title=f"Testimonial approved for publishing ({testimonial.rating}★)",
            data={
                "event": "approved",
                "testimonial": str(testimonial.public_id),
                "rating": testimonial.rating,
                "signal": "evangelist",
            },
        )
        audit_record(actor=actor, action="testimonial.approved", target=testimonial, summary=str(testimonial))
        transaction.on_commit(walls_changed)
    return testimonial


def testimonial_reject(*, testimonial: Testimonial, actor: Any, reason: str = "") -> Testimonial:
    """Refuse a waiting testimonial, or take a published one down."""
    _require_moderator(actor)
    reason = " ".join(str(reason or "").split())
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"At most {REASON_MAX_LENGTH} characters."})
    if testimonial.status not in (Testimonial.Status.PENDING, Testimonial.Status.APPROVED):
        raise ValidationError("Only a waiting or published testimonial can be rejected.")
    now = timezone.now()
    with transaction.atomic():
        was_public = testimonial.status == Testimonial.Status.APPROVED
        testimonial.status = Testimonial.Status.REJECTED
        testimonial.decided_at = now
        testimonial.decided_by = actor
        testimonial.rejection_reason = reason
        testimonial.save(
            update_fields=["status", "decided_at", "decided_by", "rejection_reason", "updated_at"]
        )
        activity_record(
            kind=Kind.TESTIMONIAL,
            contact=testimonial.contact,
            actor=actor,
            occurred_at=now,
            title="Testimonial taken down" if was_public else "Testimonial not published",
            data={"event": "rejected", "testimonial": str(testimonial.public_id), "was_public": was_public},
        )
        audit_record(
            actor=actor,
            action="testimonial.rejected",
            target=testimonial,
            summary=str(testimonial),
            reason=reason,
        )
        transaction.on_commit(walls_changed)
    return testimonial


def testimonial_propose_edit(*, testimonial: Testimonial, actor: Any, data: Mapping[str, Any]) -> Testimonial:
    """A team edit of the customer's words. Nothing changes on any wall yet: the customer gets a link
    to see the edit and confirm it, and only then does the new version replace the old."""
    _require_moderator(actor)
    if testimonial.status not in (Testimonial.Status.PENDING, Testimonial.Status.APPROVED):
        raise ValidationError("Only a waiting or published testimonial can be edited.")
    current = {field: getattr(testimonial, field) for field in EDITABLE_FIELDS}
    cleaned = clean_submission({**current, **{k: v for k, v in data.items() if k in EDITABLE_FIELDS}})
    changes = {field: value for field, value in cleaned.items() if value != current[field]}
    if not changes:
        raise ValidationError("Nothing was changed.")
    contact = testimonial.contact
    if not contact.email:
        raise ValidationError(
            f"{contact.display_name} has no email address, so they cannot confirm the edit. Add one first."
        )
    now = timezone.now()
    with transaction.atomic():
        testimonial.proposed = changes
        testimonial.proposal_version += 1
        testimonial.proposed_at = now
        testimonial.proposed_by = actor
        testimonial.save(
            update_fields=["proposed", "proposal_version", "proposed_at", "proposed_by", "updated_at"]
        )
        body = _fill_link_tags(
            RECONSENT_BODY,
            {"reconsent_url": reconsent_url(testimonial.public_id, testimonial.proposal_version)},
        )
        outbox_enqueue(
            Outgoing(
                key=f"testimonial-reconsent:{testimonial.public_id}:{testimonial.proposal_version}",
                to_email=contact.email,
                contact=contact,
                kind=Template.Kind.TRANSACTIONAL,
                subject=RECONSENT_SUBJECT,
                body=body,
                sent_by=actor,
            )
        )
        audit_record(
            actor=actor,
            action="testimonial.edit_proposed",
            target=testimonial,
            summary=str(testimonial),
            changes={field: {"from": current[field], "to": value} for field, value in changes.items()},
        )
    return testimonial


def testimonial_proposal_cancel(*, testimonial: Testimonial, actor: Any) -> Testimonial:
    _require_moderator(actor)
    if not testimonial.proposed:
        return testimonial
    with transaction.atomic():
        testimonial.proposed = {}
        testimonial.proposal_version += 1  # the link already sent stops working
        testimonial.save(update_fields=["proposed", "proposal_version", "updated_at"])
        audit_record(
            actor=actor, action="testimonial.edit_cancelled", target=testimonial, summary=str(testimonial)
        )
    return testimonial


def _check_proposal(testimonial: Testimonial, version: int) -> None:
    if not testimonial.proposed or testimonial.proposal_version != version:
        raise ValidationError("This edit was replaced or withdrawn; nothing changed.")
    if testimonial.status not in (Testimonial.Status.PENDING, Testimonial.Status.APPROVED):
        raise ValidationError("This testimonial is no longer shown, so there is nothing to confirm.")


def testimonial_proposal_confirm(
    *, testimonial: Testimonial, version: int, consent: bool, ip_address: str | None = None
) -> Testimonial:
    """The customer agrees to the team's edit: it replaces their words, with the consent logged."""
    if not consent:
        raise ValidationError({"consent": "Tick the box to agree to the edited version."})
    now = timezone.now()
    with transaction.atomic():
        testimonial = Testimonial.objects.select_for_update().select_related("contact").get(pk=testimonial.pk)
        _check_proposal(testimonial, version)
        changes = dict(testimonial.proposed)
        before = {field: getattr(testimonial, field) for field in changes}
        for field, value in changes.items():
            if field in EDITABLE_FIELDS:
                setattr(testimonial, field, value)
        testimonial.proposed = {}
        testimonial.consent_text_version = RECONSENT_TEXT_VERSION
        testimonial.save()
        consent_record(
            contact=testimonial.contact,
            status=ConsentRecord.Status.GRANTED,
            purpose=CONSENT_PURPOSE,
            text=RECONSENT_TEXT,
            text_version=RECONSENT_TEXT_VERSION,
            source="Testimonial edit confirmation page",
            ip_address=ip_address,
            recorded_at=now,
        )
        activity_record(
            kind=Kind.TESTIMONIAL,
            contact=testimonial.contact,
            occurred_at=now,
            title="Confirmed an edit of their testimonial",
            data={
                "event": "reconsented",
                "testimonial": str(testimonial.public_id),
                "fields": sorted(changes),
            },
        )
        audit_record(
            actor=None,
            action="testimonial.edit_confirmed",
            target=testimonial,
            summary=str(testimonial),
            changes={field: {"from": before[field], "to": value} for field, value in changes.items()},
        )
        transaction.on_commit(walls_changed)
    return testimonial


def testimonial_proposal_decline(*, testimonial: Testimonial, version: int) -> Testimonial:
    """The customer keeps their own words: the edit is dropped, the published version stays."""
    with transaction.atomic():
        testimonial = Testimonial.objects.select_for_update().select_related("contact").get(pk=testimonial.pk)
        _check_proposal(testimonial, version)
        testimonial.proposed = {}
        testimonial.save(update_fields=["proposed", "updated_at"])
        activity_record(
            kind=Kind.TESTIMONIAL,
            contact=testimonial.contact,
            title="Kept their testimonial as written (declined an edit)",
            data={"event": "edit_declined", "testimonial": str(testimonial.public_id)},
        )
        audit_record(
            actor=None, action="testimonial.edit_declined", target=testimonial, summary=str(testimonial)
        )
    return testimonial


def testimonial_photo_remove(*, testimonial: Testimonial, actor: Any) -> Testimonial:
    """Showing less than the customer agreed to needs no new consent: moderators may drop a photo."""
    _require_moderator(actor)
    if not testimonial.photo:
        return testimonial
    with transaction.atomic():
        old = testimonial.photo.name or ""
        testimonial.photo = ""
        testimonial.photo_type = ""
        testimonial.save(update_fields=["photo", "photo_type", "updated_at"])
        _delete_file_later(old)
        audit_record(
            actor=actor, action="testimonial.photo_removed", target=testimonial, summary=str(testimonial)
        )
        transaction.on_commit(walls_changed)
    return testimonial


# --- Walls ----------------------------------------------------------------------------------------


def walls_changed() -> None:
    """Every cached wall is rebuilt on its next visit."""
    cache.set(WALLS_VERSION_KEY, uuid.uuid4().hex, None)


def walls_version() -> str:
    version = cache.get(WALLS_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(WALLS_VERSION_KEY, version, None)
        version = cache.get(WALLS_VERSION_KEY) or version
    return str(version)


WALL_FIELDS = (
    "slug",
    "title",
    "intro",
    "min_rating",
    "max_items",
    "show_photos",
    "only_with_text",
    "is_published",
)


def clean_wall(data: Mapping[str, Any], *, instance: Wall | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        errors["title"] = ["Give the wall a title."]
    elif len(title) > 200:
        errors["title"] = ["At most 200 characters."]
    cleaned["title"] = title
    slug = slugify(str(data.get("slug") or "") or title)[:64].strip("-")
    if len(slug) < 2:
        errors["slug"] = ["Use at least two letters or digits."]
    elif slug in RESERVED_SLUGS:
        errors["slug"] = [f"“{slug}” is reserved; choose another address."]
    elif Wall.objects.filter(slug=slug).exclude(pk=instance.pk if instance is not None else 0).exists():
        errors["slug"] = ["Another wall already uses this address."]
    cleaned["slug"] = slug
    intro = str(data.get("intro") or "").strip()
    if len(intro) > 1000:
        errors["intro"] = ["At most 1,000 characters."]
    cleaned["intro"] = intro
    for field, low, high, default in (("min_rating", 1, 5, 4), ("max_items", 1, 100, 24)):
        raw = data.get(field, default)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not low <= value <= high:
            errors[field] = [f"Choose a number from {low} to {high}."]
        cleaned[field] = value
    for field in ("show_photos", "only_with_text", "is_published"):
        cleaned[field] = bool(data.get(field))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _require_wall_editor(actor: Any) -> None:
    if not (getattr(actor, "is_admin", False) or getattr(actor, "is_marketing", False)):
        raise PermissionDeniedForRole("Only admins and marketing manage walls.")


def wall_create(*, actor: Any, data: Mapping[str, Any]) -> Wall:
    _require_wall_editor(actor)
    cleaned = clean_wall(data)
    with transaction.atomic():
        wall = Wall.objects.create(created_by=actor if getattr(actor, "pk", None) else None, **cleaned)
        audit_record(actor=actor, action="testimonial_wall.created", target=wall, summary=wall.slug)
        transaction.on_commit(walls_changed)
    return wall


def wall_update(*, wall: Wall, actor: Any, data: Mapping[str, Any]) -> Wall:
    _require_wall_editor(actor)
    cleaned = clean_wall(data, instance=wall)
    with transaction.atomic():
        for field, value in cleaned.items():
            setattr(wall, field, value)
        wall.save()
        audit_record(actor=actor, action="testimonial_wall.changed", target=wall, summary=wall.slug)
        transaction.on_commit(walls_changed)
    return wall


def wall_delete(*, wall: Wall, actor: Any) -> None:
    _require_wall_editor(actor)
    with transaction.atomic():
        audit_record(actor=actor, action="testimonial_wall.deleted", target=wall, summary=wall.slug)
        wall.delete()
        transaction.on_commit(walls_changed)
