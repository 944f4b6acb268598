"""The sending settings screens: layouts (the shared header and footer) and sender identities.
Admins and marketing only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.mail import selectors, services
from leadline.mail.forms import LayoutForm, SenderIdentityForm
from leadline.mail.merge_tags import LAYOUT_TAGS
from leadline.mail.models import Layout, SenderIdentity, Template
from leadline.mail.rendering import compile_source, layout_source
from leadline.mail.views import document_response, message_document

LAYOUT_STARTER = """\
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
  <tr>
    <td align="center" style="padding: 24px 12px;">
      <table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width: 600px;">
        <tr><td class="content">{{ content }}</td></tr>
        <tr><td class="footer">{{ sender_name }} · {{ postal_address }}<br>
          <a href="{{ unsubscribe_url }}">Unsubscribe</a></td></tr>
      </table>
    </td>
  </tr>
</table>
"""


@require_GET
@role_required("marketing")
def settings_home(request: HttpRequest) -> HttpResponse:
    layouts = selectors.layout_list(user=request.user).annotate(template_count=Count("templates"))
    context = {"layouts": layouts, "senders": selectors.sender_identity_list(user=request.user)}
    return render(request, "mail/settings.html", context)


def _layout_form_page(request: HttpRequest, layout: Layout | None) -> HttpResponse:
    initial = (
        {"name": layout.name, "html": layout.html, "css": layout.css, "is_default": layout.is_default}
        if layout is not None
        else {"html": LAYOUT_STARTER, "is_default": False}
    )
    form = LayoutForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.layout_save(actor=request.user, data=form.cleaned_data, layout=layout)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Layout “{saved.name}” saved.")
            return redirect("mail:settings")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "layout": layout, "layout_tags": LAYOUT_TAGS}
    return render(request, "mail/layout_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def layout_create(request: HttpRequest) -> HttpResponse:
    return _layout_form_page(request, None)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def layout_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _layout_form_page(
        request, selectors.layout_get(user=request.user, public_id=public_id, for_edit=True)
    )


@require_POST
@role_required("marketing")
def layout_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    layout = selectors.layout_get(user=request.user, public_id=public_id, for_edit=True)
    try:
        services.layout_delete(layout=layout, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Layout “{layout.name}” was deleted.")
    return redirect("mail:settings")


@require_GET
@role_required("marketing")
@xframe_options_sameorigin
def layout_preview(request: HttpRequest, public_id: Any) -> HttpResponse:
    """A saved layout around sample content, for the layout page's sandboxed iframe."""
    layout = selectors.layout_get(user=request.user, public_id=public_id, for_edit=True)
    try:
        compiled = compile_source(
            kind=Template.Kind.MARKETING,
            format=Template.Format.HTML,
            subject=layout.name,
            preheader="",
            body=services.SAMPLE_CONTENT,
            layout=layout_source(layout),
            allowed=selectors.merge_tag_catalogue(),
        )
    except ValidationError as error:
        return message_document(" ".join(error.messages))
    rendered = services.template_render_preview(
        compiled=compiled, contact=None, sender=selectors.default_sender_identity()
    )
    return document_response(rendered.html)


def _sender_form_page(request: HttpRequest, identity: SenderIdentity | None) -> HttpResponse:
    initial = (
        {
            "from_name": identity.from_name,
            "from_email": identity.from_email,
            "reply_to": identity.reply_to,
            "postal_address": identity.postal_address,
            "is_default": identity.is_default,
        }
        if identity is not None
        else {}
    )
    form = SenderIdentityForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.sender_identity_save(
                actor=request.user, data=form.cleaned_data, identity=identity
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Sender “{saved.from_name}” saved.")
            return redirect("mail:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "mail/sender_form.html", {"form": form, "identity": identity}, status=status)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def sender_create(request: HttpRequest) -> HttpResponse:
    return _sender_form_page(request, None)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def sender_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    identity = selectors.sender_identity_get(user=request.user, public_id=public_id, for_edit=True)
    return _sender_form_page(request, identity)


@require_POST
@role_required("marketing")
def sender_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    identity = selectors.sender_identity_get(user=request.user, public_id=public_id, for_edit=True)
    services.sender_identity_delete(identity=identity, actor=request.user)
    messages.success(request, f"Sender “{identity.from_name}” was deleted.")
    return redirect("mail:settings")
