"""Reads for the email screens and API: templates, layouts, sender identities, the merge tags a
workspace offers and the contacts a template can be previewed as."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from leadline.contacts.models import Contact, CustomProperty, PropertyObject
from leadline.contacts.selectors import ContactFilters, contact_search
from leadline.core.access import get_for_user
from leadline.mail import merge_tags
from leadline.mail.models import Layout, SenderIdentity, Template

SEARCH_MAX_LENGTH = 200
CONTACT_MATCHES = 8


def template_list(*, user: Any, q: str = "", kind: str = "") -> QuerySet[Template]:
    """Templates the user may see, newest change first, matching a search of name and subject."""
    templates = Template.objects.for_user(user).select_related("layout", "updated_by")
    q = q.strip()[:SEARCH_MAX_LENGTH]
    for term in q.split()[:8]:
        templates = templates.filter(Q(name__icontains=term) | Q(subject__icontains=term))
    if kind in Template.Kind.values:
        templates = templates.filter(kind=kind)
    return templates.order_by("-updated_at", "-id")


def template_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Template:
    return get_for_user(
        Template.objects.select_related("layout", "created_by", "updated_by"),
        user,
        public_id,
        for_edit=for_edit,
    )


def layout_list(*, user: Any) -> QuerySet[Layout]:
    return Layout.objects.for_user(user).order_by("-is_default", "name", "id")


def layout_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Layout:
    return get_for_user(Layout.objects, user, public_id, for_edit=for_edit)


def default_layout() -> Layout | None:
    return Layout.objects.filter(is_default=True).first()


def sender_identity_list(*, user: Any) -> QuerySet[SenderIdentity]:
    return SenderIdentity.objects.for_user(user).order_by("-is_default", "from_name", "id")


def sender_identity_get(*, user: Any, public_id: Any, for_edit: bool = False) -> SenderIdentity:
    return get_for_user(SenderIdentity.objects, user, public_id, for_edit=for_edit)


def default_sender_identity() -> SenderIdentity | None:
    return SenderIdentity.objects.filter(is_default=True).first() or SenderIdentity.objects.first()


def merge_tag_catalogue() -> dict[str, str]:
    """Every merge tag an email may use in this workspace (name → what it stands for)."""
    properties: dict[str, dict[str, str]] = {PropertyObject.CONTACT: {}, PropertyObject.COMPANY: {}}
    for object_type, key, label in CustomProperty.objects.values_list("object_type", "key", "label"):
        properties.setdefault(object_type, {})[key] = label
    return merge_tags.available_tags(
        contact_properties=properties[PropertyObject.CONTACT],
        company_properties=properties[PropertyObject.COMPANY],
    )


def preview_contacts(*, user: Any, q: str = "") -> list[Contact]:
    """A few contacts the user can see to preview an email as: a search, or the latest ones."""
    filters = ContactFilters(q=q.strip()[:SEARCH_MAX_LENGTH], sort="-created")
    return list(contact_search(user=user, filters=filters)[:CONTACT_MATCHES])


def preview_contact(*, user: Any, public_id: Any) -> Contact:
    """A contact the user can see, with what the merge tags read joined in (404 otherwise)."""
    return get_for_user(Contact.objects.select_related("company", "owner"), user, public_id)
