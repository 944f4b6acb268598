"""The report settings screen: the brand terms that tell branded searches apart. Everyone reads
them; admins and marketing change them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from leadline.analytics.brand import brand_terms, brand_terms_update, can_change_report_settings
from leadline.analytics.settings_forms import ReportSettingsForm
from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors


@role_required("admin", "marketing", "sales")
@require_http_methods(["GET", "POST"])
def report_settings(request: HttpRequest) -> HttpResponse:
    can_change = can_change_report_settings(request.user)
    if request.method == "POST" and not can_change:
        raise PermissionDenied("Admins and marketing change the brand terms.")
    terms = brand_terms()
    form = ReportSettingsForm(
        request.POST if request.method == "POST" else None, initial={"brand_terms": ", ".join(terms)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            brand_terms_update(actor=request.user, terms=form.cleaned_data["brand_terms"])
        except ValidationError as error:
            add_service_errors(form, error, "brand_terms")
        else:
            messages.success(request, "Brand terms saved. Past visits are counted with them at once.")
            return redirect("analytics:report_settings")
    return render(
        request,
        "analytics/report_settings.html",
        {"form": form, "terms": terms, "can_change": can_change},
        status=400 if form.errors else 200,
    )
