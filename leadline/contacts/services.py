"""Writes for contacts, companies, custom properties and consent.

Every write path — UI forms, the API, CSV import, public forms later — goes through these
functions, so validation, company matching and timeline entries happen the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from leadline.activity.models import Kind
from leadline.activity.services import activity_record
from leadline.contacts.freemail import work_domain
from leadline.contacts.models import (
    Company,
    ConsentRecord,
    Contact,
    CustomProperty,
    LifecycleStage,
    PropertyObject,
    Source,
)
from leadline.contacts.properties import apply_properties, clean_properties, validate_definition
from leadline.core.services import audit_record

CONTACT_TEXT_FIELDS = {
    "first_name": 150,
    "last_name": 150,
    "job_title": 200,
    "city": 120,
    "original_source_detail": 255,
}
CONTACT_FIELDS = {
    *CONTACT_TEXT_FIELDS,
    "email",
    "phone",
    "country",
    "time_zone",
    "lifecycle_stage",
    "original_source",
    "owner",
    "company",
    "properties",
}
TRACKED_FIELDS = ["email", "first_name", "last_name", "phone", "job_title", "city", "country", "time_zone"]
_email_validator = EmailValidator()
# Looked up once: imports clean every row through here.
LIFECYCLE_STAGES = frozenset(LifecycleStage.values)
SOURCES = frozenset(Source.values)


# --- Field cleaning -------------------------------------------------------------------------------


def normalize_email(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError({"email": "Email must be text."})
    email = value.strip().lower()
    if not email:
        return None
    if len(email) > 254:
        raise ValidationError({"email": "Email addresses are at most 254 characters."})
    try:
        _email_validator(email)
    except ValidationError:
        raise ValidationError({"email": f"{value[:80]!r} is not a valid email address."}) from None
    return email


def normalize_phone(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, (str, int)):
        raise ValidationError({"phone": "Phone must be text."})
    text = str(value).strip()
    region = getattr(settings, "LEADLINE_DEFAULT_PHONE_REGION", "US")
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        raise ValidationError({"phone": f"{text[:40]!r} is not a phone number."}) from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError({"phone": f"{text[:40]!r} is not a possible phone number."})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _clean_text(field: str, value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValidationError({field: "Must be text."})
    text = str(value).strip()
    if len(text) > limit:
        raise ValidationError({field: f"At most {limit} characters."})
    return text


def _clean_country(value: Any) -> str:
    text = _clean_text("country", value, 2 if value is None else 64).upper()
    if text and (len(text) != 2 or not text.isalpha()):
        raise ValidationError({"country": "Use a two-letter country code such as GB or US."})
    return text


def _clean_time_zone(value: Any) -> str:
    text = _clean_text("time_zone", value, 64)
    if not text:
        return ""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": f"{text!r} is not a time zone such as Europe/London."}) from None
    return text


def clean_contact_fields(
    data: Mapping[str, Any], *, known_properties: Mapping[str, CustomProperty] | None = None
) -> dict[str, Any]:
    """Validate and normalise contact input. Unknown keys are rejected, never silently dropped.

    `owner` must already be a User (or None) and `company` a Company (or None): callers resolve
    public ids through the access layer first.
    """
    if not isinstance(data, Mapping):
        raise ValidationError("Contact data must be an object.")
    unknown = sorted(str(key) for key in data if key not in CONTACT_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"Unknown field(s): {', '.join(unknown)[:200]}"})
    cleaned: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for field, value in data.items():
        try:
            if field in CONTACT_TEXT_FIELDS:
                cleaned[field] = _clean_text(field, value, CONTACT_TEXT_FIELDS[field])
            elif field == "email":
                cleaned[field] = normalize_email(value)
            elif field == "phone":
                cleaned[field] = normalize_phone(value)
            elif field == "country":
                cleaned[field] = _clean_country(value)
            elif field == "time_zone":
                cleaned[field] = _clean_time_zone(value)
            elif field == "lifecycle_stage":
                if value not in LIFECYCLE_STAGES:
                    raise ValidationError({field: f"Choose one of: {', '.join(LifecycleStage.values)}."})
                cleaned[field] = value
            elif field == "original_source":
                if value in (None, ""):
                    cleaned[field] = ""
                elif value not in SOURCES:
                    raise ValidationError({field: f"Choose one of: {', '.join(Source.values)}."})
                else:
                    cleaned[field] = value
            elif field == "properties":
                cleaned[field] = clean_properties(value or {}, known=known_properties)
            else:  # owner, company: already resolved objects
                cleaned[field] = value
        except ValidationError as error:
            for key, messages in (
                error.message_dict.items() if hasattr(error, "error_dict") else [(field, error.messages)]
            ):
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- Companies ------------------------------------------------------------------------------------


def company_for_email(email: str | None) -> Company | None:
    """The company a work address belongs to, created on first sight; None for free mail."""
    domain = work_domain(email)
    if not domain:
        return None
    company = Company.objects.filter(domain=domain).first()
    if company is not None:
        return company
    name = domain.split(".")[0].replace("-", " ").title()
    try:
        with transaction.atomic():
            return Company.objects.create(name=name, domain=domain)
    except IntegrityError:
        return Company.objects.get(domain=domain)


def _clean_domain(value: Any) -> str | None:
    text = _clean_text("domain", value, 253).lower()
    text = text.removeprefix("https://").removeprefix("http://").removeprefix("www.").split("/")[0]
    if not text:
        return None
    if (
        "." not in text
        or any(not part or len(part) > 63 for part in text.split("."))
        or not all(char.isalnum() or char in "-." for char in text)
    ):
        raise ValidationError({"domain": f"{text[:60]!r} is not a domain such as example.com."})
    return text


def clean_company_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    allowed = {"name", "domain", "industry", "employee_count", "country", "owner", "properties"}
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise ValidationError({"__all__": f"Unknown field(s): {', '.join(unknown)[:200]}"})
    cleaned: dict[str, Any] = {}
    if "name" in data:
        cleaned["name"] = _clean_text("name", data["name"], 255)
        if not cleaned["name"]:
            raise ValidationError({"name": "A company needs a name."})
    if "domain" in data:
        cleaned["domain"] = _clean_domain(data["domain"])
    if "industry" in data:
        cleaned["industry"] = _clean_text("industry", data["industry"], 120)
    if "employee_count" in data:
        value = data["employee_count"]
        if value in (None, ""):
            cleaned["employee_count"] = None
        else:
            try:
                count = int(str(value).strip())
            except (TypeError, ValueError):
                raise ValidationError({"employee_count": "Must be a whole number."}) from None
            if count < 0 or count > 10_000_000:
                raise ValidationError({"employee_count": "Must be between 0 and 10,000,000."})
            cleaned["employee_count"] = count
    if "country" in data:
        cleaned["country"] = _clean_country(data["country"])
    if "owner" in data:
        cleaned["owner"] = data["owner"]
    if "properties" in data:
        cleaned["properties"] = clean_properties(data["properties"] or {}, object_type=PropertyObject.COMPANY)
    return cleaned


def company_create(*, actor: Any, data: Mapping[str, Any]) -> Company:
    cleaned = clean_company_fields(data)
    if not cleaned.get("name"):
        raise ValidationError({"name": "A company needs a name."})
    properties = apply_properties({}, cleaned.pop("properties", {}))
    if cleaned.get("domain") and Company.objects.filter(domain=cleaned["domain"]).exists():
        raise ValidationError({"domain": "Another company already has this domain."})
    try:
        with transaction.atomic():
            return Company.objects.create(properties=properties, **cleaned)
    except IntegrityError:
        raise ValidationError({"domain": "Another company already has this domain."}) from None


def company_update(*, company: Company, actor: Any, data: Mapping[str, Any]) -> Company:
    cleaned = clean_company_fields(data)
    if "properties" in cleaned:
        company.properties = apply_properties(company.properties, cleaned.pop("properties"))
        cleaned["properties"] = company.properties
    domain = cleaned.get("domain")
    if domain and Company.objects.filter(domain=domain).exclude(pk=company.pk).exists():
        raise ValidationError({"domain": "Another company already has this domain."})
    for field, value in cleaned.items():
        setattr(company, field, value)
    company.save(update_fields=[*cleaned.keys(), "updated_at"])
    return company


def company_delete(*, company: Company, actor: Any) -> None:
    audit_record(actor=actor, action="company.deleted", target=company, summary=company.name)
    company.delete()


# --- Contacts -------------------------------------------------------------------------------------


def _record_changes(contact: Contact, before: Mapping[str, Any], actor: Any, via: str) -> None:
    changes = {
        field: [before.get(field), getattr(contact, field)]
        for field in TRACKED_FIELDS
        if before.get(field) != getattr(contact, field)
    }
    if before.get("properties") != contact.properties:
        old, new = before.get("properties") or {}, contact.properties or {}
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                changes[f"properties.{key}"] = [old.get(key), new.get(key)]
    if changes:
        activity_record(
            kind=Kind.CONTACT_UPDATED,
            contact=contact,
            actor=actor,
            title=f"{len(changes)} propert{'y' if len(changes) == 1 else 'ies'} changed",
            data={"changes": changes, "via": via},
        )
    if before.get("lifecycle_stage") != contact.lifecycle_stage:
        activity_record(
            kind=Kind.STAGE_CHANGED,
            contact=contact,
            actor=actor,
            title=f"Lifecycle stage: {contact.get_lifecycle_stage_display()}",
            data={"from": before.get("lifecycle_stage"), "to": contact.lifecycle_stage, "via": via},
        )
    if before.get("owner_id") != contact.owner_id:
        activity_record(
            kind=Kind.OWNER_CHANGED,
            contact=contact,
            actor=actor,
            title=f"Owner: {contact.owner.display_name if contact.owner else 'nobody'}",
            data={"via": via},
        )


def _snapshot(contact: Contact) -> dict[str, Any]:
    return {
        **{field: getattr(contact, field) for field in TRACKED_FIELDS},
        "lifecycle_stage": contact.lifecycle_stage,
        "owner_id": contact.owner_id,
        "properties": dict(contact.properties or {}),
    }


def contact_create(
    *, actor: Any, data: Mapping[str, Any], via: str = "manual", occurred_at: datetime | None = None
) -> Contact:
    cleaned = clean_contact_fields(data)
    if not cleaned.get("email") and not (cleaned.get("first_name") or cleaned.get("last_name")):
        raise ValidationError({"email": "A contact needs an email address or a name."})
    properties = apply_properties({}, cleaned.pop("properties", {}))
    if "company" not in cleaned:
        cleaned["company"] = company_for_email(cleaned.get("email"))
    if not cleaned.get("original_source"):
        cleaned["original_source"] = {"api": Source.API, "import": Source.IMPORT}.get(via, Source.MANUAL)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(properties=properties, **cleaned)
    except IntegrityError:
        raise ValidationError({"email": "A contact with this email already exists."}) from None
    activity_record(
        kind=Kind.CONTACT_CREATED,
        contact=contact,
        actor=actor,
        occurred_at=occurred_at,
        title="Contact created",
        data={"via": via},
    )
    return contact


def contact_update(*, contact: Contact, actor: Any, data: Mapping[str, Any], via: str = "manual") -> Contact:
    cleaned = clean_contact_fields(data)
    if (
        "email" in cleaned
        and cleaned["email"] is None
        and not (cleaned.get("first_name", contact.first_name) or cleaned.get("last_name", contact.last_name))
    ):
        raise ValidationError({"email": "A contact needs an email address or a name."})
    before = _snapshot(contact)
    if "properties" in cleaned:
        cleaned["properties"] = apply_properties(contact.properties or {}, cleaned["properties"])
    email_changed = "email" in cleaned and cleaned["email"] != contact.email
    for field, value in cleaned.items():
        setattr(contact, field, value)
    if email_changed and "company" not in cleaned and contact.company_id is None:
        contact.company = company_for_email(contact.email)
        cleaned["company"] = contact.company
    update_fields = list(cleaned)
    try:
        with transaction.atomic():
            contact.save(update_fields=[*update_fields, "updated_at"])
    except IntegrityError:
        raise ValidationError({"email": "Another contact already has this email."}) from None
    _record_changes(contact, before, actor, via)
    return contact


def contact_advance_stage(*, contact: Contact, stage: str, actor: Any, via: str) -> bool:
    """Move the contact forward to `stage` (never backwards), recorded on the timeline.

    Automatic moves (hand-off accepted, deal created, order placed) all go through here. Returns
    whether the stage changed.
    """
    if LifecycleStage.rank(contact.lifecycle_stage) >= LifecycleStage.rank(stage):
        return False
    contact_update(contact=contact, actor=actor, data={"lifecycle_stage": stage}, via=via)
    return True


def contact_upsert(
    *, actor: Any, data: Mapping[str, Any], via: str = "api", fill_only: bool = False
) -> tuple[Contact, bool]:
    """Create the contact, or update the one with this email. Returns (contact, created).

    With `fill_only`, existing non-empty values are kept and only blanks are filled (imports that
    must not overwrite what a salesperson typed).
    """
    email = normalize_email(data.get("email"))
    if not email:
        raise ValidationError({"email": "An email address is required to match contacts."})
    existing = Contact.objects.filter(email=email).first()
    if existing is None:
        try:
            return contact_create(actor=actor, data={**data, "email": email}, via=via), True
        except ValidationError as error:
            existing = Contact.objects.filter(email=email).first()
            if existing is None:  # a real validation error, not a lost race
                raise error from None
    changes = {key: value for key, value in data.items() if key != "email"}
    if fill_only:
        changes = {
            key: value
            for key, value in changes.items()
            if key == "properties" or not getattr(existing, key, None)
        }
        if "properties" in changes and isinstance(changes["properties"], Mapping):
            current = existing.properties or {}
            changes["properties"] = {k: v for k, v in changes["properties"].items() if k not in current}
    return contact_update(contact=existing, actor=actor, data=changes, via=via), False


def contact_delete(*, contact: Contact, actor: Any) -> None:
    audit_record(
        actor=actor, action="contact.deleted", target=contact, summary=contact.email or contact.display_name
    )
    contact.delete()


def contacts_bulk_assign_owner(*, contacts: models.QuerySet[Contact], owner: Any, actor: Any) -> int:
    changed = 0
    for contact in contacts.select_related("owner"):
        if contact.owner_id != (owner.pk if owner else None):
            contact_update(contact=contact, actor=actor, data={"owner": owner}, via="bulk")
            changed += 1
    return changed


def contacts_bulk_set_stage(*, contacts: models.QuerySet[Contact], stage: str, actor: Any) -> int:
    if stage not in LifecycleStage.values:
        raise ValidationError({"lifecycle_stage": "Unknown lifecycle stage."})
    changed = 0
    for contact in contacts:
        if contact.lifecycle_stage != stage:
            contact_update(contact=contact, actor=actor, data={"lifecycle_stage": stage}, via="bulk")
            changed += 1
    return changed


def contacts_bulk_delete(*, contacts: models.QuerySet[Contact], actor: Any) -> int:
    ids = list(contacts.values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        audit_record(
            actor=actor, action="contacts.bulk_deleted", summary=f"{len(ids)} contacts", count=len(ids)
        )
        Contact.objects.filter(pk__in=ids).delete()
    return len(ids)


MERGE_FIELDS = [field for field in TRACKED_FIELDS if field != "email"] + [
    "original_source",
    "original_source_detail",
]


def contact_merge_plan(*, primary: Contact, duplicate: Contact) -> dict[str, Any]:
    """The values the merged contact will have. Pure: drives both `contact_merge` and its preview.

    The primary record wins; its blanks are filled from the duplicate; the further-along lifecycle
    stage and the higher score are kept; properties are combined (the primary's win on conflicts);
    the older record's first touch is the real original source.
    """
    plan: dict[str, Any] = {}
    for field in MERGE_FIELDS:
        plan[field] = getattr(primary, field) or getattr(duplicate, field)
    if duplicate.created_at and primary.created_at and duplicate.created_at < primary.created_at:
        plan["original_source"] = duplicate.original_source or primary.original_source
        plan["original_source_detail"] = duplicate.original_source_detail or primary.original_source_detail
    plan["email"] = primary.email or duplicate.email
    plan["company"] = primary.company if primary.company_id is not None else duplicate.company
    plan["owner"] = primary.owner if primary.owner_id is not None else duplicate.owner
    plan["lifecycle_stage"] = (
        duplicate.lifecycle_stage
        if LifecycleStage.rank(duplicate.lifecycle_stage) > LifecycleStage.rank(primary.lifecycle_stage)
        else primary.lifecycle_stage
    )
    plan["score"] = max(primary.score, duplicate.score)
    plan["properties"] = {**(duplicate.properties or {}), **(primary.properties or {})}
    return plan


def contact_merge(*, primary: Contact, duplicate: Contact, actor: Any) -> Contact:
    """Fold `duplicate` into `primary`: blanks filled, properties combined, every related row
    (timeline, consent, and whatever later rooms attach) moved over, then the duplicate removed.

    The duplicate's full record is kept in the merge entry on the timeline, so nothing is lost.
    """
    if primary.pk == duplicate.pk:
        raise ValidationError("Choose two different contacts to merge.")
    with transaction.atomic():
        primary = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("company", "owner")
            .get(pk=primary.pk)
        )
        duplicate = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("company", "owner")
            .get(pk=duplicate.pk)
        )
        snapshot = {
            **_snapshot(duplicate),
            "public_id": str(duplicate.public_id),
            "company_id": duplicate.company_id,
            "score": duplicate.score,
            "original_source": duplicate.original_source,
            "original_source_detail": duplicate.original_source_detail,
            "created_at": duplicate.created_at.isoformat(),
        }
        plan = contact_merge_plan(primary=primary, duplicate=duplicate)
        filled = []
        for field, value in plan.items():
            if field in ("email", "properties", "score"):
                continue
            current = getattr(primary, field)
            if current != value:
                setattr(primary, field, value)
                filled.append(field)
        primary.properties = plan["properties"]
        primary.score = plan["score"]
        if duplicate.last_activity_at and (
            primary.last_activity_at is None or duplicate.last_activity_at > primary.last_activity_at
        ):
            primary.last_activity_at = duplicate.last_activity_at
        _move_related_rows(duplicate, primary)
        duplicate_email = duplicate.email
        duplicate.delete()
        primary.save()
        if duplicate_email and not primary.email:
            # Only now: the address was unique to the duplicate until it was deleted.
            primary.email = duplicate_email
            primary.save(update_fields=["email"])
        activity_record(
            kind=Kind.CONTACT_MERGED,
            contact=primary,
            actor=actor,
            title=f"Merged {snapshot.get('email') or duplicate.display_name} into this contact",
            data={"merged": snapshot, "filled": filled},
        )
        audit_record(actor=actor, action="contact.merged", target=primary, summary=str(snapshot.get("email")))
    return primary


def _move_related_rows(source: Contact, target: Contact) -> None:
    """Re-point every foreign key that references `source` — including tables of later rooms."""
    for relation in Contact._meta.related_objects:
        if relation.one_to_many or relation.one_to_one:
            model = relation.related_model
            field_name = relation.field.name
            if relation.one_to_one and model._default_manager.filter(**{field_name: target}).exists():
                continue
            model._default_manager.filter(**{field_name: source}).update(**{field_name: target})
        elif relation.many_to_many:
            accessor = relation.get_accessor_name()
            if accessor:
                getattr(target, accessor).add(*getattr(source, accessor).all())


# --- Custom properties ----------------------------------------------------------------------------


def custom_property_create(
    *,
    actor: Any,
    object_type: str,
    key: str,
    label: str,
    type: str,
    choices: Any = None,
    description: str = "",
) -> CustomProperty:
    if object_type not in PropertyObject.values:
        raise ValidationError({"object_type": "Choose contact or company."})
    key = (key or "").strip().lower()
    cleaned_choices = validate_definition(key=key, label=label, type=type, choices=choices or [])
    reserved = CONTACT_FIELDS | {"id", "public_id", "created_at", "updated_at", "score"}
    if key in reserved:
        raise ValidationError({"key": f"{key!r} is a built-in field."})
    if CustomProperty.objects.filter(object_type=object_type, key=key).exists():
        raise ValidationError({"key": "A property with this key already exists."})
    position = CustomProperty.objects.filter(object_type=object_type).count()
    prop = CustomProperty.objects.create(
        object_type=object_type,
        key=key,
        label=label.strip()[:120],
        type=type,
        choices=cleaned_choices,
        description=(description or "").strip()[:300],
        position=position,
    )
    audit_record(actor=actor, action="property.created", target=prop, summary=prop.key)
    return prop


def custom_property_update(
    *, prop: CustomProperty, actor: Any, label: str, choices: Any = None, description: str = ""
) -> CustomProperty:
    """Key and type are fixed once created (stored values depend on them); label and choices change."""
    cleaned_choices = validate_definition(key=prop.key, label=label, type=prop.type, choices=choices or [])
    prop.label = label.strip()[:120]
    prop.choices = cleaned_choices
    prop.description = (description or "").strip()[:300]
    prop.save(update_fields=["label", "choices", "description", "updated_at"])
    return prop


def custom_property_delete(*, prop: CustomProperty, actor: Any) -> None:
    """Removes the definition; stored values stay in the JSON so re-creating the key restores them."""
    audit_record(actor=actor, action="property.deleted", target=prop, summary=prop.key)
    prop.delete()


# --- Consent --------------------------------------------------------------------------------------


def consent_record(
    *,
    contact: Contact,
    status: str,
    purpose: str = "marketing_email",
    text: str = "",
    text_version: str = "",
    source: str = "",
    ip_address: str | None = None,
    actor: Any = None,
    recorded_at: datetime | None = None,
) -> ConsentRecord:
    if status not in ConsentRecord.Status.values:
        raise ValidationError({"status": "Unknown consent status."})
    record = ConsentRecord.objects.create(
        contact=contact,
        status=status,
        purpose=purpose,
        text=text,
        text_version=text_version,
        source=source[:120],
        ip_address=ip_address,
        recorded_at=recorded_at or timezone.now(),
    )
    activity_record(
        kind=Kind.CONSENT_CHANGED,
        contact=contact,
        actor=actor,
        title=f"Consent {record.get_status_display().lower()}: {purpose.replace('_', ' ')}",
        data={"status": status, "purpose": purpose, "source": source, "text_version": text_version},
    )
    return record


def contacts_touch(contacts: Iterable[Contact]) -> None:
    """Refresh `updated_at` (used after bulk moves of related rows)."""
    Contact.objects.filter(pk__in=[contact.pk for contact in contacts]).update(updated_at=timezone.now())
