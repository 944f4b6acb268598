"""Unsubscribes, resubscribes and the preference centre, and the subscription types they are about.

`Unsubscribe` rows are the standing opt-outs read at send time; every change also goes to the
consent ledger (`leadline.contacts.services.consent_record`) with the wording the person saw, which
keeps the history and puts the change on the contact's timeline. Purposes in the ledger:
`marketing_email` for all marketing email, `email:<type key>` for one subscription type.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from leadline.contacts.models import ConsentRecord, Contact
from leadline.contacts.services import consent_record
from leadline.core.access import get_for_user
from leadline.core.services import audit_record
from leadline.core.signing import BadToken
from leadline.mail.merge_values import read_unsubscribe_token
from leadline.mail.models import (
    MessageEvent,
    OutboundMessage,
    SenderIdentity,
    SubscriptionType,
    Unsubscribe,
    UnsubscribeSource,
)

ALL_MARKETING_PURPOSE = "marketing_email"
TYPE_PURPOSE_PREFIX = "email:"
# The wording below is what the preference centre shows; change the version when it changes.
PREFERENCES_TEXT_VERSION = "preference-centre-1"
ONE_CLICK_TEXT_VERSION = "rfc8058-one-click"
ONE_CLICK_TEXT = "Unsubscribe button of the mailbox (RFC 8058 one-click)."
SAMPLE_TOKEN = "preview"


def consent_purpose(subscription_type: SubscriptionType | None) -> str:
    return (
        ALL_MARKETING_PURPOSE
        if subscription_type is None
        else f"{TYPE_PURPOSE_PREFIX}{subscription_type.key}"
    )


def all_marketing_wording(sender_name: str) -> str:
    return f"Unsubscribe me from all marketing email from {sender_name}."


def type_wording(subscription_type: SubscriptionType, sender_name: str) -> str:
    text = f"{subscription_type.name} from {sender_name}"
    if subscription_type.description:
        text += f": {subscription_type.description}"
    return text


# --- Reading a personal link ----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Who a personal unsubscribe link belongs to, and the email it came in (when known)."""

    contact: Contact | None
    message: OutboundMessage | None
    sender: SenderIdentity | None
    is_sample: bool = False

    @property
    def sender_name(self) -> str:
        return self.sender.from_name if self.sender is not None else "us"

    @property
    def masked_email(self) -> str:
        email = (self.contact.email if self.contact is not None else None) or ""
        if self.is_sample:
            email = "you@example.com"
        return mask_email(email)


def mask_email(email: str) -> str:
    """`j•••@example.com`: enough for people to know it is their address, not enough to read it."""
    local, at, domain = email.partition("@")
    if not at:
        return ""
    return f"{local[:1]}•••@{domain}"


def default_sender() -> SenderIdentity | None:
    return SenderIdentity.objects.filter(is_default=True).first() or SenderIdentity.objects.first()


def recipient_from_token(token: str) -> Recipient | None:
    """The contact (and message) of an unsubscribe link, the harmless sample for `preview`, or None
    for anything that is not a valid link."""
    if token == SAMPLE_TOKEN:
        return Recipient(contact=None, message=None, sender=default_sender(), is_sample=True)
    try:
        contact_id, message_id = read_unsubscribe_token(token)
    except BadToken:
        return None
    message = (
        OutboundMessage.objects.select_related("sender", "subscription_type", "contact")
        .filter(public_id=message_id)
        .first()
        if message_id is not None
        else None
    )
    contact = Contact.objects.filter(public_id=contact_id).first()
    if contact is None and message is not None:
        # The contact was merged into another one since: the message follows the survivor.
        contact = message.contact
    if contact is None:
        return None
    sender = message.sender if message is not None and message.sender is not None else default_sender()
    return Recipient(contact=contact, message=message, sender=sender)


# --- Unsubscribe and resubscribe ------------------------------------------------------------------


def unsubscribe_contact(
    *,
    contact: Contact,
    subscription_type: SubscriptionType | None = None,
    source: str,
    message: OutboundMessage | None = None,
    ip_address: str | None = None,
    text: str = "",
    text_version: str = "",
    actor: Any = None,
) -> Unsubscribe:
    """Opt a contact out of one subscription type, or of all marketing email (type None).

    Idempotent: when the opt-out already stands, nothing is written and the existing row returned.
    Otherwise one transaction writes the row, the consent withdrawal (and with it the timeline
    entry), and for a known message an `unsubscribe` event and its `unsubscribed_at`."""
    if source not in UnsubscribeSource.values:
        raise ValidationError({"source": "Unknown unsubscribe source."})
    now = timezone.now()
    with transaction.atomic():
        existing = Unsubscribe.objects.filter(contact=contact, subscription_type=subscription_type).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                row = Unsubscribe.objects.create(
                    contact=contact,
                    subscription_type=subscription_type,
                    source=source,
                    message=message,
                    created_at=now,
                )
        except IntegrityError:
            # The same person pressed twice at once: the other request wrote it.
            return Unsubscribe.objects.get(contact=contact, subscription_type=subscription_type)
        consent_record(
            contact=contact,
            status=ConsentRecord.Status.WITHDRAWN,
            purpose=consent_purpose(subscription_type),
            text=text,
            text_version=text_version,
            source=source,
            ip_address=ip_address,
            actor=actor,
            recorded_at=now,
        )
        if message is not None:
            MessageEvent.objects.create(
                message=message,
                kind=MessageEvent.Kind.UNSUBSCRIBE,
                ip_address=ip_address,
                occurred_at=now,
                data={
                    "source": source,
                    "subscription_type": subscription_type.key if subscription_type is not None else "",
                },
            )
            OutboundMessage.objects.filter(pk=message.pk, unsubscribed_at__isnull=True).update(
                unsubscribed_at=now
            )
        if actor is not None and getattr(actor, "pk", None):
            audit_record(
                actor=actor,
                action="email.unsubscribed",
                target=contact,
                summary=f"Unsubscribed {contact.display_name} from "
                f"{subscription_type.name if subscription_type else 'all marketing email'}",
            )
    return row


def resubscribe_contact(
    *,
    contact: Contact,
    subscription_type: SubscriptionType | None = None,
    source: str,
    message: OutboundMessage | None = None,
    ip_address: str | None = None,
    text: str = "",
    text_version: str = "",
    actor: Any = None,
) -> bool:
    """Take back an opt-out: a consent grant in the ledger, and the row removed. False (and nothing
    written) when there was no opt-out to take back."""
    with transaction.atomic():
        deleted, _ = Unsubscribe.objects.filter(contact=contact, subscription_type=subscription_type).delete()
        if not deleted:
            return False
        consent_record(
            contact=contact,
            status=ConsentRecord.Status.GRANTED,
            purpose=consent_purpose(subscription_type),
            text=text,
            text_version=text_version,
            source=source,
            ip_address=ip_address,
            actor=actor,
        )
    return True


@dataclass(frozen=True)
class Preferences:
    """A contact's standing choices: opted out of everything, and the types opted out of."""

    unsubscribed_from_all: bool
    unsubscribed_type_ids: frozenset[int]


def contact_preferences(contact: Contact) -> Preferences:
    rows = list(Unsubscribe.objects.filter(contact=contact).values_list("subscription_type_id", flat=True))
    return Preferences(
        unsubscribed_from_all=None in rows,
        unsubscribed_type_ids=frozenset(type_id for type_id in rows if type_id is not None),
    )


def preferences_update(
    *,
    contact: Contact,
    subscribed_types: Collection[SubscriptionType],
    unsubscribe_all: bool,
    sender_name: str,
    message: OutboundMessage | None = None,
    ip_address: str | None = None,
    source: str = UnsubscribeSource.PREFERENCE_CENTRE,
) -> list[str]:
    """Apply the preference centre's form: the active types ticked stay (or become) subscribed,
    the others are opted out of; `unsubscribe_all` opts out of all marketing email. Each change is
    one ledger entry with the wording shown. Returns a sentence per change."""
    wanted = {subscription_type.pk for subscription_type in subscribed_types}
    changes: list[str] = []

    def change(subscription_type: SubscriptionType | None, *, leave: bool, text: str) -> None:
        write = unsubscribe_contact if leave else resubscribe_contact
        write(
            contact=contact,
            subscription_type=subscription_type,
            source=source,
            message=message,
            ip_address=ip_address,
            text=text,
            text_version=PREFERENCES_TEXT_VERSION,
        )

    with transaction.atomic():
        current = contact_preferences(contact)
        for subscription_type in active_subscription_types():
            text = type_wording(subscription_type, sender_name)
            opted_out = subscription_type.pk in current.unsubscribed_type_ids
            if subscription_type.pk in wanted and opted_out:
                change(subscription_type, leave=False, text=text)
                changes.append(f"Subscribed to {subscription_type.name}.")
            elif subscription_type.pk not in wanted and not opted_out:
                change(subscription_type, leave=True, text=text)
                changes.append(f"Unsubscribed from {subscription_type.name}.")
        if unsubscribe_all != current.unsubscribed_from_all:
            change(None, leave=unsubscribe_all, text=all_marketing_wording(sender_name))
            changes.append(
                "Unsubscribed from all marketing email."
                if unsubscribe_all
                else "Subscribed to marketing email again."
            )
    return changes


# --- Subscription types ---------------------------------------------------------------------------

NAME_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 300


def active_subscription_types() -> QuerySet[SubscriptionType]:
    return SubscriptionType.objects.filter(is_archived=False).order_by("position", "name", "id")


def _clean_type(data: dict[str, Any], subscription_type: SubscriptionType | None) -> dict[str, Any]:
    name = str(data.get("name") or "").strip()
    description = str(data.get("description") or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the subscription type a name."
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"At most {NAME_MAX_LENGTH} characters."
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = f"At most {DESCRIPTION_MAX_LENGTH} characters."
    key = (
        subscription_type.key if subscription_type is not None else slugify(str(data.get("key") or name))[:64]
    )
    if subscription_type is None:
        if not key:
            errors["key"] = "Use letters or digits in the key."
        elif SubscriptionType.objects.filter(key=key).exists():
            errors["key"] = f"The key “{key}” is taken; choose another."
    if errors:
        raise ValidationError(errors)
    position = data.get("position")
    return {
        "key": key,
        "name": name,
        "description": description,
        "position": position if isinstance(position, int) and position >= 0 else 0,
    }


def subscription_type_create(*, actor: Any, data: dict[str, Any]) -> SubscriptionType:
    """A new type; its `key` (from the name unless given) is fixed, as the consent ledger names it."""
    cleaned = _clean_type(data, None)
    with transaction.atomic():
        try:
            with transaction.atomic():
                subscription_type = SubscriptionType.objects.create(**cleaned)
        except IntegrityError:
            raise ValidationError({"key": f"The key “{cleaned['key']}” is taken; choose another."}) from None
        audit_record(
            actor=actor, action="subscription_type.created", target=subscription_type, summary=cleaned["name"]
        )
    return subscription_type


def subscription_type_update(
    *, subscription_type: SubscriptionType, actor: Any, data: dict[str, Any]
) -> SubscriptionType:
    cleaned = _clean_type(data, subscription_type)
    for field in ("name", "description", "position"):
        setattr(subscription_type, field, cleaned[field])
    with transaction.atomic():
        subscription_type.save(update_fields=["name", "description", "position", "updated_at"])
        audit_record(
            actor=actor, action="subscription_type.updated", target=subscription_type, summary=cleaned["name"]
        )
    return subscription_type


def subscription_type_archive(
    *, subscription_type: SubscriptionType, actor: Any, archived: bool = True
) -> None:
    """Hide a type from the preference centre and new campaigns. Opt-outs from it are kept, so
    restoring it later does not email anyone who had left it."""
    if subscription_type.is_archived == archived:
        return
    subscription_type.is_archived = archived
    with transaction.atomic():
        subscription_type.save(update_fields=["is_archived", "updated_at"])
        audit_record(
            actor=actor,
            action="subscription_type.archived" if archived else "subscription_type.restored",
            target=subscription_type,
            summary=subscription_type.name,
        )


# --- Reads for the screens ------------------------------------------------------------------------


def subscription_type_list(*, user: Any) -> QuerySet[SubscriptionType]:
    """Every type the user may manage, with how many people stand opted out of each."""
    return (
        SubscriptionType.objects.for_user(user, for_edit=True)
        .annotate(unsubscribe_count=Count("unsubscribes"))
        .order_by("is_archived", "position", "name", "id")
    )


def subscription_type_get(*, user: Any, public_id: Any) -> SubscriptionType:
    return get_for_user(SubscriptionType.objects, user, public_id, for_edit=True)


def unsubscribe_list(
    *, user: Any, q: str = "", type_key: str = "", source: str = ""
) -> QuerySet[Unsubscribe]:
    """Standing opt-outs of the contacts the user can see, newest first. `type_key` "all" means
    opt-outs of all marketing email."""
    rows = Unsubscribe.objects.filter(contact__in=Contact.objects.for_user(user)).select_related(
        "contact", "subscription_type", "message"
    )
    q = q.strip()
    if q:
        rows = rows.filter(contact__email__icontains=q.lower())
    if type_key == "all":
        rows = rows.filter(subscription_type__isnull=True)
    elif type_key:
        rows = rows.filter(subscription_type__key=type_key)
    if source:
        rows = rows.filter(source=source)
    return rows.order_by("-created_at", "-id")


def contact_unsubscribes(*, contact: Contact) -> QuerySet[Unsubscribe]:
    return Unsubscribe.objects.filter(contact=contact).select_related("subscription_type", "message")


def contact_email_consents(*, contact: Contact) -> QuerySet[ConsentRecord]:
    """The ledger entries about email of one contact: all marketing email and each type."""
    return ConsentRecord.objects.filter(contact=contact).filter(
        Q(purpose=ALL_MARKETING_PURPOSE) | Q(purpose__startswith=TYPE_PURPOSE_PREFIX)
    )
