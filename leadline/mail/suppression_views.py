"""The suppression list screens: the list with counts by reason, add by hand, remove (with a
confirmation saying email will go to the address again), CSV import and export. Admins and
marketing only; admins also see where the mail relay posts bounces."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.core.services import audit_record
from leadline.mail import suppression
from leadline.mail.models import Suppression

REASON_CHOICES = Suppression.Reason.choices


class SuppressionAddForm(forms.Form):
    email = forms.CharField(label="Email address", max_length=254)
    reason = forms.ChoiceField(label="Reason", choices=REASON_CHOICES, initial=Suppression.Reason.MANUAL)
    detail = forms.CharField(
        label="Note",
        max_length=500,
        required=False,
        help_text="Why it is suppressed, for whoever looks at it next.",
        widget=forms.TextInput,
    )


class SuppressionImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: email (required), reason and detail. Reasons: hard_bounce, soft_bounce, "
        "complaint, manual or imported (the default).",
    )


def _list_filters(request: HttpRequest) -> tuple[str, str]:
    q = request.GET.get("q", "")[: suppression.SEARCH_MAX_LENGTH].strip()
    reason = request.GET.get("reason", "")
    return q, reason if reason in Suppression.Reason.values else ""


def _setup_context() -> dict[str, Any]:
    from leadline.mail.inbound_urls import relay_url, webhooks_enabled

    base = settings.BASE_URL.rstrip("/")
    return {
        "relay_url": relay_url(),
        "bounce_domain": settings.LEADLINE_BOUNCE_DOMAIN,
        "imap_configured": bool(settings.LEADLINE_BOUNCE_IMAP_URL),
        "webhooks_enabled": webhooks_enabled(),
        "webhook_base": base + "/email/inbound/esp/",
    }


@require_GET
@role_required("marketing")
def suppression_list(request: HttpRequest) -> HttpResponse:
    q, reason = _list_filters(request)
    page = paginate(suppression.suppression_list(user=request.user, q=q, reason=reason), request.GET)
    counts = suppression.suppression_counts(user=request.user)
    context: dict[str, Any] = {
        "page": page,
        "q": q,
        "reason": reason,
        "reasons": [(key, label, counts[key]) for key, label in REASON_CHOICES],
        "total": counts["total"],
        "add_form": SuppressionAddForm(),
        "is_admin": request.user.is_admin,  # type: ignore[union-attr]
    }
    if request.user.is_admin:  # type: ignore[union-attr]
        context.update(_setup_context())
    return render(request, "mail/suppression/list.html", context)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def suppression_add(request: HttpRequest) -> HttpResponse:
    form = SuppressionAddForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            entry, created = suppression.suppression_add(
                email=form.cleaned_data["email"],
                reason=form.cleaned_data["reason"],
                detail=form.cleaned_data["detail"],
                source="manual",
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if created:
                messages.success(request, f"{entry.email} is suppressed: no email will go to it.")
            else:
                messages.info(
                    request, f"{entry.email} was already suppressed ({entry.get_reason_display().lower()})."
                )
            return redirect("mail:suppression_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "mail/suppression/add.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def suppression_remove(request: HttpRequest, public_id: Any) -> HttpResponse:
    entry = suppression.suppression_get(user=request.user, public_id=public_id, for_edit=True)
    if request.method == "POST":
        suppression.suppression_remove(suppression=entry, actor=request.user)
        messages.success(
            request, f"{entry.email} was removed from the suppression list: email may go to it again."
        )
        return redirect("mail:suppression_list")
    return render(request, "mail/suppression/remove.html", {"entry": entry})


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def suppression_import(request: HttpRequest) -> HttpResponse:
    form = SuppressionImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > suppression.IMPORT_MAX_BYTES:
                form.add_error(
                    "file", f"The file is larger than {suppression.IMPORT_MAX_BYTES // (1024 * 1024)} MB."
                )
            else:
                try:
                    result = suppression.suppression_import(
                        data=upload.read(), actor=request.user, file_name=str(upload.name or "")[:200]
                    )
                except ValidationError as error:
                    add_service_errors(form, error, field="file")
        if result is None:
            status = 400
    return render(request, "mail/suppression/import.html", {"form": form, "result": result}, status=status)


@require_GET
@role_required("marketing")  # type: ignore[arg-type]
def suppression_export(request: HttpRequest) -> StreamingHttpResponse:
    q, reason = _list_filters(request)
    rows = suppression.suppression_list(user=request.user, q=q, reason=reason)
    audit_record(
        actor=request.user,
        action="suppression.export",
        summary="Exported the suppression list",
        q=q,
        reason=reason,
    )
    response = StreamingHttpResponse(
        suppression.suppression_export_lines(rows), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="suppression-list-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
