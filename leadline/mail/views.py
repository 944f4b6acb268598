"""The email template screens: list, editor with live preview, previews, send a test. The sending
settings (layouts and senders) are in `settings_views`.

Everyone signed in may open the templates they can see (sales: the transactional ones); admins and
marketing write them. Previews are whole documents served to a sandboxed iframe under their own
strict Content-Security-Policy: no script runs in them, whatever a template holds.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.mail import selectors, services
from leadline.mail.forms import (
    STARTERS,
    PreviewForm,
    SendTestForm,
    TemplateForm,
)
from leadline.mail.merge_tags import merge_tag_problems
from leadline.mail.models import Template
from leadline.mail.rendering import (
    CompiledEmail,
    RenderedEmail,
    compile_source,
    compile_template,
    layout_source,
    marketing_problems,
)

# Previews may show the email's images (https and inline data) and nothing else: no script, no
# forms, no plugins, no way to reach the app's own pages with the viewer's cookies.
PREVIEW_CSP = "; ".join(
    [
        "default-src 'none'",
        "img-src https: data:",
        "style-src 'unsafe-inline'",
        "font-src https: data:",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "sandbox allow-popups allow-popups-to-escape-sandbox",
    ]
)


def _can_edit(user: Any) -> bool:
    return bool(user.is_admin or user.is_marketing)


def document_response(html: str) -> HttpResponse:
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cache-Control"] = "no-store"
    return response


def message_document(message: str) -> HttpResponse:
    return document_response(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Preview</title></head>'
        '<body style="margin:0;padding:32px;font:15px/1.5 system-ui,sans-serif;color:#5d6481;'
        f'background:#f6f7fb">{escape(message)}</body></html>'
    )


def _preview_contact(request: HttpRequest, value: str | None, *, missing_is_404: bool = True) -> Any:
    if not value:
        return None
    try:
        return selectors.preview_contact(user=request.user, public_id=value)
    except Http404:
        if missing_is_404:
            raise
        return None


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Marketing starts at the campaigns; salespeople (1:1 email) at the templates they may use."""
    user = request.user
    if getattr(user, "is_admin", False) or getattr(user, "is_marketing", False):
        return redirect("mail:campaign_list")
    return redirect("mail:template_list")


# --- Templates ------------------------------------------------------------------------------------


@require_GET
@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[: selectors.SEARCH_MAX_LENGTH]
    kind = request.GET.get("kind", "")
    page = paginate(selectors.template_list(user=request.user, q=q, kind=kind), request.GET)
    context = {
        "page": page,
        "q": q,
        "kind": kind if kind in Template.Kind.values else "",
        "kinds": Template.Kind.choices,
        "formats": Template.Format.choices,
        "can_edit": _can_edit(request.user),
    }
    return render(request, "mail/template_list.html", context)


def _editor_context(request: HttpRequest, form: TemplateForm, template: Template | None) -> dict[str, Any]:
    return {
        "form": form,
        "template": template,
        "merge_tags": selectors.merge_tag_catalogue(),
        "preview_contact": _preview_contact(request, form["preview_contact"].value(), missing_is_404=False),
    }


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def template_create(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("format", "")
    format = chosen if chosen in Template.Format.values else Template.Format.MARKDOWN
    default_layout = selectors.default_layout()
    initial = {
        "kind": Template.Kind.MARKETING,
        "format": format,
        "body": STARTERS[format],
        # An MJML email brings its own header and footer.
        "layout": default_layout.pk if default_layout and format != Template.Format.MJML else None,
    }
    layouts = selectors.layout_list(user=request.user)
    form = TemplateForm(request.POST if request.method == "POST" else None, layouts=layouts, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(actor=request.user, data=form.template_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{template.name}” was saved.")
            return redirect("mail:template_detail", public_id=template.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "mail/template_form.html", _editor_context(request, form, None), status=status)


@require_GET
@login_required
def template_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    template = selectors.template_get(user=request.user, public_id=public_id)
    can_edit = _can_edit(request.user)
    sender = selectors.default_sender_identity()
    context = {
        "template": template,
        "can_edit": can_edit,
        **_saved_panel(template, contact=None, sender=sender),
    }
    if can_edit:
        context["send_form"] = SendTestForm(
            initial={"to": request.user.email, "sender": sender.pk if sender else None},  # type: ignore[union-attr]
            senders=selectors.sender_identity_list(user=request.user),
        )
    return render(request, "mail/template_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def template_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    template = selectors.template_get(user=request.user, public_id=public_id, for_edit=True)
    layouts = selectors.layout_list(user=request.user)
    form = TemplateForm(
        request.POST if request.method == "POST" else None, layouts=layouts, template=template
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(template=template, actor=request.user, data=form.template_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Template saved.")
            return redirect("mail:template_detail", public_id=template.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "mail/template_form.html", _editor_context(request, form, template), status=status)


@require_POST
@role_required("marketing")
def template_duplicate(request: HttpRequest, public_id: Any) -> HttpResponse:
    template = selectors.template_get(user=request.user, public_id=public_id, for_edit=True)
    copy = services.template_duplicate(template=template, actor=request.user)
    messages.success(request, f"Made “{copy.name}”. Change it without touching the original.")
    return redirect("mail:template_edit", public_id=copy.public_id)


@require_POST
@role_required("marketing")
def template_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    template = selectors.template_get(user=request.user, public_id=public_id, for_edit=True)
    name = template.name
    services.template_delete(template=template, actor=request.user)
    messages.success(request, f"“{name}” was deleted.")
    return redirect("mail:template_list")


# --- Previews -------------------------------------------------------------------------------------


def _panel(
    compiled: CompiledEmail | None, *, contact: Any, sender: Any, errors: list[str], warnings: list[str]
) -> dict[str, Any]:
    rendered: RenderedEmail | None = None
    if compiled is not None:
        rendered = services.template_render_preview(compiled=compiled, contact=contact, sender=sender)
    return {
        "rendered": rendered,
        "preview_errors": errors,
        "preview_warnings": [*warnings, *(compiled.warnings if compiled else ())],
        "contact": contact,
        "sender": sender,
    }


def _saved_panel(template: Template, *, contact: Any, sender: Any) -> dict[str, Any]:
    try:
        compiled = compile_template(template)
    except ValidationError as error:
        return _panel(None, contact=contact, sender=sender, errors=error.messages, warnings=[])
    return _panel(compiled, contact=contact, sender=sender, errors=[], warnings=[])


@require_GET
@login_required
@xframe_options_sameorigin
def template_preview(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The saved template as a document, for the detail page's sandboxed iframe."""
    template = selectors.template_get(user=request.user, public_id=public_id)
    contact = _preview_contact(request, request.GET.get("contact"))
    panel = _saved_panel(template, contact=contact, sender=selectors.default_sender_identity())
    if panel["rendered"] is None:
        return message_document(" ".join(panel["preview_errors"]))
    return document_response(panel["rendered"].html)


@require_GET
@login_required
def template_preview_panel(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Subject, sender and plain text of the saved template as a contact would get it (htmx)."""
    template = selectors.template_get(user=request.user, public_id=public_id)
    contact = _preview_contact(request, request.GET.get("contact"))
    context = {
        "template": template,
        **_saved_panel(template, contact=contact, sender=selectors.default_sender_identity()),
    }
    return render(request, "mail/_preview_panel.html", context)


def _label(form: PreviewForm, name: str) -> str:
    field = form.fields.get(name)
    return f"{field.label or name.capitalize()}: " if field is not None else ""


def _draft_panel(request: HttpRequest) -> dict[str, Any]:
    """The editor's unsaved fields, compiled for a preview. Problems are shown, never raised."""
    form = PreviewForm(request.POST, layouts=selectors.layout_list(user=request.user))
    sender = selectors.default_sender_identity()
    contact = _preview_contact(request, request.POST.get("preview_contact"), missing_is_404=False)
    if not form.is_valid():
        errors = [
            f"{_label(form, name)}{' '.join(str(message) for message in field_errors)}"
            for name, field_errors in form.errors.items()
        ]
        return _panel(None, contact=contact, sender=sender, errors=errors, warnings=[])
    data = form.cleaned_data
    if not (data.get("body") or "").strip():
        return _panel(
            None, contact=contact, sender=sender, errors=["Write the email to see it here."], warnings=[]
        )
    catalogue = selectors.merge_tag_catalogue()
    warnings = [
        problem
        for field in ("subject", "preheader", "body")
        for problem in merge_tag_problems(data.get(field) or "", catalogue)
    ]
    try:
        compiled = compile_source(
            kind=data.get("kind") or Template.Kind.MARKETING,
            format=data.get("format") or Template.Format.MARKDOWN,
            subject=data.get("subject") or "",
            preheader=data.get("preheader") or "",
            body=data["body"],
            layout=layout_source(data.get("layout")),
            allowed=catalogue,
        )
    except ValidationError as error:
        return _panel(None, contact=contact, sender=sender, errors=error.messages, warnings=warnings)
    if compiled.kind == Template.Kind.MARKETING:
        missing = marketing_problems(compiled, layout_named=data.get("layout") is not None)
        if missing:
            warnings.append(missing)
    return _panel(compiled, contact=contact, sender=sender, errors=[], warnings=warnings)


@require_POST
@role_required("marketing")
@xframe_options_sameorigin
def draft_preview(request: HttpRequest) -> HttpResponse:
    """The editor's unsaved email as a document, posted into the editor's sandboxed iframe."""
    panel = _draft_panel(request)
    if panel["rendered"] is None:
        return message_document(" ".join(panel["preview_errors"]))
    return document_response(panel["rendered"].html)


@require_POST
@role_required("marketing")
def draft_preview_panel(request: HttpRequest) -> HttpResponse:
    return render(request, "mail/_preview_panel.html", _draft_panel(request))


@require_GET
@login_required
def contact_search(request: HttpRequest) -> HttpResponse:
    """Contacts to preview an email as (htmx): those the user can see, matching `q`."""
    q = request.GET.get("q", "")
    contacts = selectors.preview_contacts(user=request.user, q=q)
    return render(request, "mail/_contact_results.html", {"contacts": contacts, "q": q})


def _back_to(request: HttpRequest, template: Template) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("mail:template_detail", args=[template.public_id])


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def template_send_test(request: HttpRequest, public_id: Any) -> HttpResponse:
    template = selectors.template_get(user=request.user, public_id=public_id, for_edit=True)
    senders = selectors.sender_identity_list(user=request.user)
    default_sender = selectors.default_sender_identity()
    form = SendTestForm(
        request.POST if request.method == "POST" else None,
        senders=senders,
        initial={"to": request.user.email, "sender": default_sender.pk if default_sender else None},  # type: ignore[union-attr]
    )
    if request.method == "POST" and form.is_valid():
        contact = _preview_contact(request, form.cleaned_data.get("contact"), missing_is_404=False)
        try:
            services.template_send_test(
                template=template,
                actor=request.user,
                to=form.cleaned_data["to"],
                contact=contact,
                sender=form.cleaned_data.get("sender"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Test sent to {form.cleaned_data['to']}.")
            return redirect(_back_to(request, template))
    status = 400 if request.method == "POST" else 200
    context = {"template": template, "send_form": form, "next": _back_to(request, template)}
    return render(request, "mail/send_test.html", context, status=status)
