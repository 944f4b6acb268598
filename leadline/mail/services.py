"""Writes for email templates, layouts and sender identities, and the test send.

A template is only saved when it compiles: its merge tags are known, its MJML parses, and a marketing
template carries the unsubscribe link and the postal address (in its body or its layout). Layouts
must hold `{{ content }}`, `{{ postal_address }}` and `{{ unsubscribe_url }}`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ProtectedError

from leadline.core.services import audit_record
from leadline.mail import merge_tags
from leadline.mail.merge_values import SAMPLE_UNSUBSCRIBE_PATH, merge_values
from leadline.mail.messages import email_message
from leadline.mail.models import Layout, SenderIdentity, Template
from leadline.mail.rendering import (
    CSS_MAX_LENGTH,
    LAYOUT_MAX_LENGTH,
    CompiledEmail,
    RenderedEmail,
    compile_source,
    compile_template,
    layout_source,
    marketing_problems,
    normalise_newlines,
)
from leadline.mail.selectors import merge_tag_catalogue

NAME_MAX_LENGTH = 200
SUBJECT_MAX_LENGTH = 255
TEST_SUBJECT_PREFIX = "[Test] "
LAYOUT_REQUIRED = ("content", "postal_address", "unsubscribe_url")
SAMPLE_CONTENT = (
    "<h1>A heading</h1><p>This is where the email's own words go. "
    '<a href="https://example.com">A link</a> looks like this.</p>'
)


@dataclass(frozen=True)
class TemplateData:
    """The editable fields of a template, as the screens and the API hand them in."""

    name: str
    kind: str
    format: str
    subject: str
    preheader: str
    body: str
    layout: Layout | None

    @classmethod
    def of(cls, template: Template) -> TemplateData:
        return cls(
            name=template.name,
            kind=template.kind,
            format=template.format,
            subject=template.subject,
            preheader=template.preheader,
            body=template.body,
            layout=template.layout,
        )

    def changed(self, **changes: Any) -> TemplateData:
        return replace(self, **changes)


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def template_check(data: TemplateData, *, allowed: Collection[str] | None = None) -> CompiledEmail:
    """Compile the fields as they would be saved, or raise ValidationError naming each problem."""
    allowed = allowed if allowed is not None else merge_tag_catalogue()
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        _add(errors, "name", "Give the template a name.")
    elif len(data.name) > NAME_MAX_LENGTH:
        _add(errors, "name", f"At most {NAME_MAX_LENGTH} characters.")
    if data.kind not in Template.Kind.values:
        _add(errors, "kind", f"Choose one of: {', '.join(Template.Kind.values)}.")
    if data.format not in Template.Format.values:
        _add(errors, "format", f"Choose one of: {', '.join(Template.Format.values)}.")
    if not data.subject.strip():
        _add(errors, "subject", "Write a subject line.")
    elif len(data.subject) > SUBJECT_MAX_LENGTH:
        _add(errors, "subject", f"At most {SUBJECT_MAX_LENGTH} characters.")
    elif "\n" in data.subject or "\r" in data.subject:
        _add(errors, "subject", "A subject is one line.")
    if len(data.preheader) > SUBJECT_MAX_LENGTH:
        _add(errors, "preheader", f"At most {SUBJECT_MAX_LENGTH} characters.")
    if not data.body.strip():
        _add(errors, "body", "Write the email.")
    for field in ("subject", "preheader", "body"):
        for problem in merge_tags.merge_tag_problems(getattr(data, field), allowed):
            _add(errors, field, problem)
    if errors:
        raise ValidationError(errors)
    compiled = compile_source(
        kind=data.kind,
        format=data.format,
        subject=data.subject,
        preheader=data.preheader,
        body=data.body,
        layout=layout_source(data.layout),
        allowed=allowed,
    )
    if data.kind == Template.Kind.MARKETING:
        missing = marketing_problems(compiled, layout_named=data.layout is not None)
        if missing:
            raise ValidationError({"body": missing})
    return compiled


def _content_fields(data: TemplateData) -> dict[str, Any]:
    return {
        "name": data.name.strip(),
        "kind": data.kind,
        "format": data.format,
        "subject": data.subject.strip(),
        "preheader": data.preheader.strip(),
        "body": normalise_newlines(data.body),
        "layout": data.layout,
    }


def template_create(*, actor: Any, data: TemplateData) -> Template:
    template_check(data)
    template = Template(**_content_fields(data), created_by=actor, updated_by=actor)
    template.save()
    audit_record(actor=actor, action="mail.template_created", target=template, summary=template.name)
    return template


def template_update(*, template: Template, actor: Any, data: TemplateData) -> Template:
    template_check(data)
    fields = _content_fields(data)
    changed = [name for name, value in fields.items() if getattr(template, name) != value]
    if not changed:
        return template
    for name in changed:
        setattr(template, name, fields[name])
    template.updated_by = actor
    template.version += 1
    template.save(update_fields=[*changed, "updated_by", "version", "updated_at"])
    return template


def template_duplicate(*, template: Template, actor: Any) -> Template:
    """A copy to change without touching the original; it is checked like any new template."""
    copy = Template(**_content_fields(TemplateData.of(template)), created_by=actor, updated_by=actor)
    copy.name = f"Copy of {template.name}"[:NAME_MAX_LENGTH]
    copy.save()
    audit_record(
        actor=actor,
        action="mail.template_created",
        target=copy,
        summary=copy.name,
        copied_from=str(template.public_id),
    )
    return copy


def template_delete(*, template: Template, actor: Any) -> None:
    audit_record(actor=actor, action="mail.template_deleted", target=template, summary=template.name)
    template.delete()


# --- Test sends -----------------------------------------------------------------------------------


def preview_values(*, contact: Any, sender: Any) -> dict[str, str]:
    """Merge values for a preview or a test: a contact's data, but never their real unsubscribe
    link (a test recipient's mailbox may follow it, and one click would unsubscribe the contact)."""
    return merge_values(
        contact=contact, sender=sender, unsubscribe=settings.BASE_URL + SAMPLE_UNSUBSCRIBE_PATH
    )


def template_render_preview(*, compiled: CompiledEmail, contact: Any, sender: Any) -> RenderedEmail:
    return compiled.render(preview_values(contact=contact, sender=sender))


def template_send_test(
    *, template: Template, actor: Any, to: str, contact: Any = None, sender: SenderIdentity | None = None
) -> RenderedEmail:
    """Send the saved template to one address, marked as a test, filled with `contact`'s data."""
    to = (to or "").strip()
    try:
        validate_email(to)
    except ValidationError:
        raise ValidationError({"to": "Enter one email address to send the test to."}) from None
    if template.kind == Template.Kind.MARKETING:
        if sender is None:
            raise ValidationError(
                {
                    "sender": "Add a sender with a postal address under Email settings before sending marketing email."
                }
            )
        if not sender.postal_address.strip():
            raise ValidationError(
                {
                    "sender": f"Add a postal address to {sender.from_name} before sending marketing email from it."
                }
            )
    compiled = compile_template(template)
    rendered = template_render_preview(compiled=compiled, contact=contact, sender=sender)
    message = email_message(
        rendered,
        sender=sender,
        to=to,
        subject=TEST_SUBJECT_PREFIX + rendered.subject,
        headers={"X-Leadline-Test": "yes"},
    )
    message.send()
    audit_record(
        actor=actor,
        action="mail.test_sent",
        target=template,
        summary=f"Test of {template.name} to {to}",
        to=to,
        contact=str(contact.public_id) if contact is not None else "",
    )
    return rendered


# --- Layouts --------------------------------------------------------------------------------------


def layout_check(*, name: str, html: str, css: str, allowed: Collection[str] | None = None) -> None:
    allowed = set(allowed if allowed is not None else merge_tag_catalogue()) | set(merge_tags.LAYOUT_TAGS)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        _add(errors, "name", "Give the layout a name.")
    elif len(name) > 120:
        _add(errors, "name", "At most 120 characters.")
    if len(html) > LAYOUT_MAX_LENGTH:
        _add(errors, "html", f"Keep the layout under {LAYOUT_MAX_LENGTH:,} characters.")
    if len(css) > CSS_MAX_LENGTH:
        _add(errors, "css", f"Keep the styles under {CSS_MAX_LENGTH:,} characters.")
    for problem in merge_tags.merge_tag_problems(html, allowed, example="content"):
        _add(errors, "html", problem)
    used = [piece.tag.name for piece in merge_tags.scan(html, allowed) if piece.tag is not None]
    missing = [f"{{{{ {name} }}}}" for name in LAYOUT_REQUIRED if name not in used]
    if missing:
        _add(errors, "html", f"A layout must include {', '.join(missing)}.")
    elif used.count("content") > 1:
        _add(errors, "html", "Use {{ content }} once: it is where the email goes.")
    if errors:
        raise ValidationError(errors)
    try:
        compile_source(
            kind=Template.Kind.MARKETING,
            format=Template.Format.HTML,
            subject="Layout",
            preheader="",
            body=SAMPLE_CONTENT,
            layout=layout_source(Layout(html=html, css=css)),
            allowed=allowed,
        )
    except ValidationError as error:
        raise ValidationError({"html": error.messages}) from None


def _make_only_default(model: type[Layout] | type[SenderIdentity], instance: Layout | SenderIdentity) -> None:
    model.objects.filter(is_default=True).exclude(pk=instance.pk).update(is_default=False)


def layout_save(*, actor: Any, data: Mapping[str, Any], layout: Layout | None = None) -> Layout:
    """Create (layout None) or change a layout. The first layout, or one marked default, becomes the default."""
    name, html, css = str(data.get("name") or ""), str(data.get("html") or ""), str(data.get("css") or "")
    layout_check(name=name, html=html, css=css)
    creating = layout is None
    instance = layout or Layout(created_by=actor)
    instance.name, instance.html, instance.css = (
        name.strip(),
        normalise_newlines(html),
        normalise_newlines(css),
    )
    instance.updated_by = actor
    make_default = bool(data.get("is_default")) or not Layout.objects.exclude(pk=instance.pk).exists()
    with transaction.atomic():
        if make_default:
            _make_only_default(Layout, instance)
        instance.is_default = make_default or (instance.is_default and not creating)
        instance.save()
    audit_record(
        actor=actor,
        action="mail.layout_created" if creating else "mail.layout_changed",
        target=instance,
        summary=instance.name,
    )
    return instance


def layout_delete(*, layout: Layout, actor: Any) -> None:
    if layout.is_default:
        raise ValidationError("This is the default layout: make another layout the default first.")
    try:
        with transaction.atomic():
            layout.delete()
    except ProtectedError:
        count = layout.templates.count()
        raise ValidationError(
            f"{count} template{'s use' if count != 1 else ' uses'} this layout: choose another layout for "
            f"{'them' if count != 1 else 'it'} first."
        ) from None
    audit_record(actor=actor, action="mail.layout_deleted", summary=layout.name)


# --- Sender identities ----------------------------------------------------------------------------


def sender_identity_save(
    *, actor: Any, data: Mapping[str, Any], identity: SenderIdentity | None = None
) -> SenderIdentity:
    """Create (identity None) or change a sender. The first sender, or one marked default, is the default."""
    errors: dict[str, list[str]] = {}
    from_name = str(data.get("from_name") or "").strip()
    from_email = str(data.get("from_email") or "").strip().lower()
    reply_to = str(data.get("reply_to") or "").strip().lower()
    postal_address = str(data.get("postal_address") or "").strip()
    if not from_name:
        _add(errors, "from_name", "Say who the email is from, e.g. your company's name.")
    elif len(from_name) > 120 or any(char in from_name for char in '\r\n<>"'):
        _add(errors, "from_name", "Up to 120 characters, on one line, without < > or quotes.")
    for field, value, required in (("from_email", from_email, True), ("reply_to", reply_to, False)):
        if not value and not required:
            continue
        try:
            validate_email(value)
        except ValidationError:
            _add(errors, field, "Enter a valid email address.")
    if len(postal_address) > 500:
        _add(errors, "postal_address", "At most 500 characters.")
    if errors:
        raise ValidationError(errors)
    creating = identity is None
    instance = identity or SenderIdentity(created_by=actor)
    instance.from_name, instance.from_email, instance.reply_to = from_name, from_email, reply_to
    instance.postal_address = postal_address
    make_default = bool(data.get("is_default")) or not SenderIdentity.objects.exclude(pk=instance.pk).exists()
    with transaction.atomic():
        if make_default:
            _make_only_default(SenderIdentity, instance)
        instance.is_default = make_default or (instance.is_default and not creating)
        instance.save()
    audit_record(
        actor=actor,
        action="mail.sender_created" if creating else "mail.sender_changed",
        target=instance,
        summary=str(instance),
    )
    return instance


def sender_identity_delete(*, identity: SenderIdentity, actor: Any) -> None:
    with transaction.atomic():
        was_default = identity.is_default
        identity.delete()
        if was_default:
            successor = SenderIdentity.objects.order_by("created_at", "id").first()
            if successor is not None:
                successor.is_default = True
                successor.save(update_fields=["is_default", "updated_at"])
    audit_record(actor=actor, action="mail.sender_deleted", summary=str(identity))
