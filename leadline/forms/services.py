"""Writes for forms: building them, and `form_submit`, the path from a visitor's answers to a known
contact with a timeline entry, consent on record, a notified owner and an instant reply on its way.

New contacts from an enquiry form start as leads; from a sign-up (newsletter) form as subscribers.
An enquiry moves an existing subscriber forward to lead; a form never moves anyone backwards and
never blanks data: contact fields are only filled where they are empty.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from leadline.accounts.models import Team
from leadline.activity.models import Kind
from leadline.activity.services import activity_record
from leadline.contacts.freemail import email_domain, work_domain
from leadline.contacts.models import Company, ConsentRecord, Contact, CustomProperty, LifecycleStage, Source
from leadline.contacts.services import (
    company_create,
    consent_record,
    contact_update,
    contact_upsert,
)
from leadline.core.access import PermissionDeniedForRole
from leadline.core.services import audit_record
from leadline.core.signing import BadToken, read_token
from leadline.forms import autoreply
from leadline.forms.merge_tags import merge_tag_problems
from leadline.forms.models import (
    BUILTIN_TARGETS,
    PROPERTY_TARGET_PREFIX,
    Form,
    FormEmail,
    FormField,
    FormKind,
    FormSubmission,
    Notify,
)
from leadline.forms.sites import redirect_allowed
from leadline.forms.spam import (
    TOKEN_FIELD,
    check_not_spam,
    check_rate_limits,
    render_token_read,
)
from leadline.forms.validation import CleanSubmission, clean_submission, metadata_text
from leadline.tracking import sources as tracking_sources
from leadline.tracking.stitching import visitor_first_touch, visitor_identify

logger = logging.getLogger(__name__)

RESERVED_SLUGS = {"confirm", "embed", "static", "new"}
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
MAX_FIELDS = 30
SETTINGS_FIELDS = {
    "name", "slug", "kind", "site", "introduction", "submit_label", "consent_text", "consent_version",
    "consent_required", "double_opt_in", "thank_you_message", "redirect_url", "notify", "notify_team",
    "autoreply_enabled", "autoreply_subject", "autoreply_body",
}  # fmt: skip


def _require_editor(actor: Any) -> None:
    if not (getattr(actor, "is_admin", False) or getattr(actor, "is_marketing", False)):
        raise PermissionDeniedForRole("Only admins and marketing can build forms.")


# --- Building forms -------------------------------------------------------------------------------


def _clean_settings(data: Mapping[str, Any], *, form: Form | None) -> dict[str, Any]:
    unknown = sorted(str(key) for key in data if key not in SETTINGS_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"Unknown setting(s): {', '.join(unknown)[:200]}"})
    # Browsers send textarea lines ending in CRLF; stored text (and the emails made of it) uses LF.
    cleaned = {
        key: (value.replace("\r\n", "\n").strip() if isinstance(value, str) else value)
        for key, value in data.items()
    }
    merged = {field: getattr(form, field) for field in SETTINGS_FIELDS if form is not None}
    merged.update(cleaned)
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not merged.get("name"):
        add("name", "Give the form a name.")
    slug = str(merged.get("slug") or "").lower()
    if "slug" in cleaned:
        cleaned["slug"] = slug
    if not SLUG_PATTERN.match(slug):
        add("slug", "Use lower-case letters, digits and hyphens, e.g. contact-us.")
    elif slug in RESERVED_SLUGS:
        add("slug", f"“{slug}” is reserved; choose another address.")
    elif Form.objects.filter(slug=slug).exclude(pk=form.pk if form is not None else 0).exists():
        add("slug", "Another form already uses this address.")
    if merged.get("kind", FormKind.ENQUIRY) not in FormKind.values:
        add("kind", "Choose enquiry or sign-up.")
    if merged.get("notify", Notify.NOBODY) not in Notify.values:
        add("notify", "Choose who is told about new submissions.")
    if merged.get("notify") == Notify.TEAM and not merged.get("notify_team"):
        add("notify_team", "Choose the team to notify.")
    if merged.get("double_opt_in") and not str(merged.get("consent_text") or "").strip():
        add("consent_text", "Confirmed opt-in needs a consent checkbox: write the text people agree to.")
    if str(merged.get("consent_text") or "").strip() and not merged.get("consent_version"):
        add("consent_version", "Name this wording (e.g. 2024-06) so each consent records what was shown.")
    redirect_url = str(merged.get("redirect_url") or "")
    if redirect_url and not redirect_allowed(merged.get("site"), redirect_url):
        add(
            "redirect_url",
            "Redirects may only go to a web address on the allowed domains of the form's site."
            if merged.get("site")
            else "Choose the form's site first: redirects may only go to its allowed domains.",
        )
    for field in ("autoreply_subject", "autoreply_body"):
        for problem in merge_tag_problems(str(merged.get(field) or "")):
            add(field, problem)
    if merged.get("autoreply_enabled") and not str(merged.get("autoreply_body") or "").strip():
        add("autoreply_body", "Write the reply, or turn the instant reply off.")
    if not str(merged.get("submit_label") or "").strip():
        add("submit_label", "The button needs a label.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def form_create(*, actor: Any, data: Mapping[str, Any]) -> Form:
    """A new form with the two fields nearly every form wants: email (always required) and first name."""
    _require_editor(actor)
    cleaned = _clean_settings(data, form=None)
    with transaction.atomic():
        try:
            form = Form.objects.create(created_by=actor, **cleaned)
        except IntegrityError:
            raise ValidationError({"slug": "Another form already uses this address."}) from None
        FormField.objects.create(form=form, target="email", label="Email", required=True, position=0)
        FormField.objects.create(form=form, target="first_name", label="First name", position=1)
        audit_record(actor=actor, action="form.created", target=form, summary=form.name)
    return form


def form_update(*, form: Form, actor: Any, data: Mapping[str, Any]) -> Form:
    _require_editor(actor)
    cleaned = _clean_settings(data, form=form)
    for field, value in cleaned.items():
        setattr(form, field, value)
    try:
        with transaction.atomic():
            form.save(update_fields=[*cleaned, "updated_at"])
    except IntegrityError:
        raise ValidationError({"slug": "Another form already uses this address."}) from None
    return form


def form_delete(*, form: Form, actor: Any) -> None:
    """Removes the form and its submissions; the contacts and their timelines stay."""
    _require_editor(actor)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="form.deleted",
            target=form,
            summary=form.name,
            submissions=form.submissions.count(),
        )
        form.delete()


def target_choices(properties: list[CustomProperty]) -> list[tuple[str, str]]:
    return [
        *BUILTIN_TARGETS.items(),
        *((f"{PROPERTY_TARGET_PREFIX}{prop.key}", f"{prop.label} (property)") for prop in properties),
    ]


def _clean_field(*, form: Form, data: Mapping[str, Any], field: FormField | None) -> dict[str, Any]:
    target = field.target if field is not None else str(data.get("target") or "")
    errors: dict[str, str] = {}
    if field is None:
        if target.startswith(PROPERTY_TARGET_PREFIX):
            key = target.removeprefix(PROPERTY_TARGET_PREFIX)
            if not CustomProperty.objects.filter(object_type="contact", key=key).exists():
                errors["target"] = "That contact property does not exist."
        elif target not in BUILTIN_TARGETS:
            errors["target"] = "Choose the contact field this input fills."
        if form.fields.filter(target=target).exists():
            errors["target"] = "The form already has this field."
        if form.fields.count() >= MAX_FIELDS:
            errors["target"] = f"A form can have at most {MAX_FIELDS} fields."
    label = str(data.get("label") or "").strip()
    if not label:
        errors["label"] = "Give the field a label people will see."
    if errors:
        raise ValidationError(errors)
    return {
        "label": label[:120],
        # The email address is how a contact is found: it is required on every form.
        "required": True if target == "email" else bool(data.get("required")),
        "placeholder": str(data.get("placeholder") or "").strip()[:120],
        "help_text": str(data.get("help_text") or "").strip()[:300],
        "target": target,
    }


def form_field_add(*, form: Form, actor: Any, data: Mapping[str, Any]) -> FormField:
    _require_editor(actor)
    cleaned = _clean_field(form=form, data=data, field=None)
    position = (form.fields.aggregate(last=Max("position"))["last"] or 0) + 1
    try:
        with transaction.atomic():
            return FormField.objects.create(form=form, position=position, **cleaned)
    except IntegrityError:
        raise ValidationError({"target": "The form already has this field."}) from None


def form_field_update(*, field: FormField, actor: Any, data: Mapping[str, Any]) -> FormField:
    _require_editor(actor)
    cleaned = _clean_field(form=field.form, data=data, field=field)
    cleaned.pop("target")
    for name, value in cleaned.items():
        setattr(field, name, value)
    field.save(update_fields=[*cleaned, "updated_at"])
    return field


def form_field_move(*, field: FormField, actor: Any, direction: str) -> None:
    """Swap a field with its neighbour above ("up") or below ("down"), renumbering the list."""
    _require_editor(actor)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a field up or down."})
    with transaction.atomic():
        fields = list(
            FormField.objects.select_for_update().filter(form_id=field.form_id).order_by("position", "id")
        )
        index = next(i for i, item in enumerate(fields) if item.pk == field.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(fields):
            fields[index], fields[other] = fields[other], fields[index]
        for position, item in enumerate(fields):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])


def form_field_remove(*, field: FormField, actor: Any) -> None:
    _require_editor(actor)
    if field.target == "email":
        raise ValidationError("The email field cannot be removed: it is how contacts are matched.")
    field.delete()


# --- Submissions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitOutcome:
    submission: FormSubmission
    created: bool


def _dedupe_key(form: Form, nonce: str, clean: CleanSubmission) -> str:
    """The same answers sent from the same rendering of the form are one submission, however often
    they arrive (double clicks, retries, a reloaded thank-you page)."""
    payload = json.dumps(
        [form.pk, nonce, clean.email, clean.values, clean.consent], sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _first_touch(
    *, visitor_id: uuid.UUID | None, clean: CleanSubmission, referrer: str, form: Form
) -> tuple[str, str]:
    """(Source, detail) of how this person first came: the browser's first visit when the tracking
    snippet saw one, else the UTM values the form was opened with, else the referrer."""
    if visitor_id is not None:
        first = visitor_first_touch(visitor_id=visitor_id)
        if first is not None:
            return first.source, first.detail
    utm = clean.utm
    source, medium, campaign = (
        utm.get("utm_source", ""),
        utm.get("utm_medium", ""),
        utm.get("utm_campaign", ""),
    )
    if source or medium or campaign or referrer:
        return (
            tracking_sources.channel(source=source, medium=medium, referrer=referrer),
            tracking_sources.channel_detail(source=source, campaign=campaign, referrer=referrer),
        )
    return Source.DIRECT, f"Form: {form.name}"[:255]


def _company_for(name: str, email: str) -> Company | None:
    """The company a typed name refers to: an existing one by name or by the email's domain, or a
    new one (with the domain, for a work address)."""
    if not name:
        return None
    company = Company.objects.filter(name__iexact=name).first()
    domain = email_domain(email)
    if company is None and domain:
        company = Company.objects.filter(domain=domain).first()
    if company is not None:
        return company
    company_domain = work_domain(email) or None
    try:
        return company_create(actor=None, data={"name": name, "domain": company_domain})
    except ValidationError:
        return Company.objects.filter(domain=company_domain).first() if company_domain else None


def _contact_data(*, form: Form, clean: CleanSubmission, first_touch: tuple[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {**clean.contact_data, "email": clean.email}
    data["lifecycle_stage"] = (
        LifecycleStage.SUBSCRIBER if form.kind == FormKind.NEWSLETTER else LifecycleStage.LEAD
    )
    data["original_source"], data["original_source_detail"] = first_touch
    existing_company = Contact.objects.filter(email=clean.email).values_list("company_id", flat=True).first()
    if clean.company_name and existing_company is None:
        company = _company_for(clean.company_name, clean.email)
        if company is not None:
            data["company"] = company
    return data


def _notify_recipients(form: Form, contact: Contact) -> list[Any]:
    if form.notify == Notify.OWNER and contact.owner is not None and contact.owner.is_active:
        return [contact.owner]
    if form.notify in (Notify.OWNER, Notify.TEAM) and form.notify_team_id:
        return list(Team.objects.get(pk=form.notify_team_id).members.filter(is_active=True))
    return []


def _answer_rows(fields: list[FormField], clean: CleanSubmission) -> list[tuple[str, str]]:
    rows = []
    for form_field in fields:
        value = clean.values.get(form_field.input_name)
        if isinstance(value, bool):
            value = "Yes" if value else ""  # an unticked box is no answer
        if value not in (None, "", []):
            rows.append((form_field.label, ", ".join(value) if isinstance(value, list) else str(value)))
    return rows


def form_submit(
    *,
    form: Form,
    data: Any,
    ip_address: str | None = None,
    user_agent: str = "",
    channel: str = "hosted",
) -> SubmitOutcome:
    """Accept one submission of `form`. Raises ValidationError (messages keyed by input name) or
    spam.SubmissionRefused; returns the stored submission, which already existed for a replay."""
    token = render_token_read(data.get(TOKEN_FIELD) if hasattr(data, "get") else None, form=form)
    check_not_spam(form=form, data=data, token=token, ip_address=ip_address)
    fields = list(form.fields.all())
    properties = {prop.key: prop for prop in CustomProperty.objects.filter(object_type="contact")}
    clean = clean_submission(form=form, fields=fields, data=data, properties=properties)
    if clean.errors:
        raise ValidationError(clean.errors)
    dedupe_key = _dedupe_key(form, token.nonce, clean)
    existing = FormSubmission.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return SubmitOutcome(existing, created=False)
    check_rate_limits(form=form, dedupe_key=dedupe_key, ip_address=ip_address, email=clean.email)

    page_url = metadata_text(data, "ll_page", 2000)
    referrer = metadata_text(data, "ll_referrer", 2000)
    visitor_id = _parse_uuid(metadata_text(data, "ll_visitor", 64))
    if not any(clean.utm.values()):
        # No hidden UTM fields were sent (a script-less client): read them off the page address.
        found = tracking_sources.campaign_parameters(page_url)
        clean.utm = {name: found.get(name, "")[:200] for name in clean.utm}
    first_touch = _first_touch(form=form, visitor_id=visitor_id, clean=clean, referrer=referrer)
    try:
        with transaction.atomic():
            submission = FormSubmission.objects.create(
                form=form,
                dedupe_key=dedupe_key,
                email=clean.email,
                values=clean.values,
                page_url=page_url,
                referrer=referrer,
                visitor_id=visitor_id,
                ip_address=ip_address,
                user_agent=(user_agent or "")[:500],
                channel=channel,
                consent_given=clean.consent,
                **clean.utm,
            )
            emails = _record_submission(
                form=form, submission=submission, clean=clean, fields=fields, first_touch=first_touch
            )
            submission_id, email_ids = submission.pk, [email.pk for email in emails]
            transaction.on_commit(lambda: _after_commit(submission_id, email_ids))
    except IntegrityError:
        existing = FormSubmission.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return SubmitOutcome(existing, created=False)
    except ValidationError as error:
        # The contacts room refused a value the form's checks let through: show it on the form.
        messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        raise ValidationError(
            {(key if key in BUILTIN_TARGETS else "__all__"): texts for key, texts in messages.items()}
        ) from None
    return SubmitOutcome(submission, created=True)


def _record_submission(
    *,
    form: Form,
    submission: FormSubmission,
    clean: CleanSubmission,
    fields: list[FormField],
    first_touch: tuple[str, str],
) -> list[FormEmail]:
    contact, created = contact_upsert(
        actor=None,
        data=_contact_data(form=form, clean=clean, first_touch=first_touch),
        via="form",
        fill_only=True,
    )
    if not created and form.kind == FormKind.ENQUIRY and contact.lifecycle_stage == LifecycleStage.SUBSCRIBER:
        contact_update(contact=contact, actor=None, data={"lifecycle_stage": LifecycleStage.LEAD}, via="form")
    submission.contact = contact
    submission.save(update_fields=["contact"])
    if submission.visitor_id is not None:
        # Done now, not later: the person just told us who they are, and their visits so far should
        # be on the timeline the moment someone opens it.
        visitor_identify(
            visitor_id=submission.visitor_id, contact=contact, site=form.site, contact_created=created
        )
    activity_record(
        kind=Kind.FORM_SUBMITTED,
        contact=contact,
        title=form.name,
        url=submission.page_url,
        referrer=submission.referrer,
        source=submission.utm_source,
        medium=submission.utm_medium,
        campaign=submission.utm_campaign,
        visitor_id=submission.visitor_id,
        data={
            "via": "form",
            "form": str(form.public_id),
            "submission": str(submission.public_id),
            "values": clean.values,
            # As the person saw the questions: the timeline shows these without reading the form.
            "answers": _answer_rows(fields, clean),
        },
    )
    emails: list[FormEmail] = []
    if clean.consent:
        consent_record(
            contact=contact,
            status=ConsentRecord.Status.PENDING if form.double_opt_in else ConsentRecord.Status.GRANTED,
            text=form.consent_text,
            text_version=form.consent_version,
            source=f"form:{form.slug}",
            ip_address=submission.ip_address,
        )
        if form.double_opt_in:
            emails.append(autoreply.confirmation_build(form=form, submission=submission, contact=contact))
    if form.autoreply_enabled:
        emails.append(autoreply.autoreply_build(form=form, submission=submission, contact=contact))
    recipients = _notify_recipients(form, contact)
    if recipients:
        emails.extend(
            autoreply.notifications_build(
                form=form,
                submission=submission,
                contact=contact,
                recipients=recipients,
                rows=_answer_rows(fields, clean),
            )
        )
    return FormEmail.objects.bulk_create(emails) if emails else []


def _after_commit(submission_id: int, email_ids: list[int]) -> None:
    """Hand the emails to the workers. A failure to enqueue loses nothing: queued emails are picked
    up by the periodic retry."""
    from leadline.forms.tasks import form_email_send

    try:
        for email_id in email_ids:
            form_email_send.enqueue(email_id)
    except Exception:
        logger.exception("Could not enqueue the emails of form submission %s", submission_id)


# --- Confirmed opt-in -----------------------------------------------------------------------------


class ConfirmationInvalid(Exception):
    """The link was altered, is too old, or consent was withdrawn since."""


@dataclass(frozen=True)
class ConfirmOutcome:
    form: Form
    contact: Contact
    already_confirmed: bool


def confirmation_read(token: str) -> FormSubmission:
    """The submission a confirmation link was made for. Raises ConfirmationInvalid."""
    try:
        value = read_token(
            token, purpose=autoreply.CONFIRM_TOKEN_PURPOSE, max_age=autoreply.CONFIRM_TOKEN_MAX_AGE
        )
    except BadToken as error:
        raise ConfirmationInvalid(str(error)) from None
    public_id = _parse_uuid(str(value.get("s") or "")) if isinstance(value, dict) else None
    submission = (
        FormSubmission.objects.select_related("form", "contact").filter(public_id=public_id).first()
        if public_id is not None
        else None
    )
    if submission is None or submission.contact is None:
        raise ConfirmationInvalid("The submission or its contact no longer exists.")
    return submission


def form_consent_confirm(
    *, token: str, ip_address: str | None = None, now: datetime | None = None
) -> ConfirmOutcome:
    """The person clicked the link in the confirmation email: their consent becomes granted."""
    submission = confirmation_read(token)
    form = submission.form
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=submission.contact.pk)  # type: ignore[union-attr]
        latest = contact.consents.filter(purpose="marketing_email").order_by("-recorded_at", "-id").first()
        if latest is not None and latest.status == ConsentRecord.Status.GRANTED:
            return ConfirmOutcome(form=form, contact=contact, already_confirmed=True)
        if (
            latest is not None
            and latest.status == ConsentRecord.Status.WITHDRAWN
            and latest.recorded_at > submission.created_at
        ):
            raise ConfirmationInvalid("Consent was withdrawn after this link was sent.")
        pending = (
            contact.consents.filter(status=ConsentRecord.Status.PENDING, source=f"form:{form.slug}")
            .order_by("-recorded_at", "-id")
            .first()
        )
        consent_record(
            contact=contact,
            status=ConsentRecord.Status.GRANTED,
            text=pending.text if pending else form.consent_text,
            text_version=pending.text_version if pending else form.consent_version,
            source=f"form:{form.slug}:confirmed",
            ip_address=ip_address,
            recorded_at=now,
        )
    return ConfirmOutcome(form=form, contact=contact, already_confirmed=False)
