"""The sending domain screens: the list, adding one, its page with the records to publish and the
last check, "Check again", and removing it. Admins manage domains; marketing may look and check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.core.access import get_for_user
from leadline.core.decorators import admin_required, role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.mail import domains
from leadline.mail.models import SendingDomain


class DomainForm(forms.Form):
    domain = forms.CharField(
        max_length=domains.INPUT_MAX_LENGTH,
        help_text="The part after the @ of the addresses you send from, for example example.com.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
    )
    selector = forms.CharField(
        max_length=63,
        required=False,
        initial=domains.DEFAULT_SELECTOR,
        help_text="Names the DKIM key in DNS. Keep the default unless it is already used.",
    )


class RemoveForm(forms.Form):
    confirmation = forms.CharField(max_length=domains.INPUT_MAX_LENGTH, label="Type the domain to confirm")


def _domain(request: HttpRequest, public_id: Any) -> SendingDomain:
    return get_for_user(SendingDomain.objects, request.user, public_id)


def _rows(domain: SendingDomain) -> dict[str, Any]:
    results = domain.check_results or {}
    return {
        "domain": domain,
        "name": domains.display_domain(domain.domain),
        "status": results.get("status", ""),
        "status_label": results.get("status_label", ""),
    }


@require_GET
@role_required("marketing")
def domain_list(request: HttpRequest) -> HttpResponse:
    page = paginate(SendingDomain.objects.for_user(request.user).order_by("domain"), request.GET)
    context = {
        "page": page,
        "rows": [_rows(domain) for domain in page.object_list],
        "can_manage": request.user.is_admin,  # type: ignore[union-attr]
    }
    return render(request, "mail/domains/list.html", context)


@require_http_methods(["GET", "POST"])
@admin_required
def domain_add(request: HttpRequest) -> HttpResponse:
    form = DomainForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            domain = domains.domain_add(
                actor=request.user,
                domain=form.cleaned_data["domain"],
                selector=form.cleaned_data.get("selector") or domains.DEFAULT_SELECTOR,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{domains.display_domain(domain.domain)} was added. Publish the records below, then check.",
            )
            return redirect("mail:domain_detail", public_id=domain.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "mail/domains/add.html", {"form": form}, status=status)


@require_GET
@role_required("marketing")
def domain_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    domain = _domain(request, public_id)
    results = domain.check_results or {}
    context = {
        **_rows(domain),
        "checks": results.get("checks", []),
        "records": domains.records_to_publish(domain),
        "can_manage": request.user.is_admin,  # type: ignore[union-attr]
        "remove_form": RemoveForm(),
    }
    return render(request, "mail/domains/detail.html", context)


@require_POST
@role_required("marketing")
def domain_check(request: HttpRequest, public_id: Any) -> HttpResponse:
    domain = _domain(request, public_id)
    results = domains.domain_check(domain=domain)
    name = domains.display_domain(domain.domain)
    if results["status"] == domains.OK:
        messages.success(request, f"Every record of {name} is in place.")
    elif results["status"] == domains.UNKNOWN:
        messages.warning(request, f"Some records of {name} could not be checked. Try again in a while.")
    else:
        messages.info(request, f"Checked {name}: see what needs doing below.")
    return redirect("mail:domain_detail", public_id=domain.public_id)


@require_http_methods(["GET", "POST"])
@admin_required
def domain_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    domain = get_for_user(SendingDomain.objects, request.user, public_id, for_edit=True)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            domains.domain_remove(
                actor=request.user, domain=domain, confirmation=form.cleaned_data["confirmation"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{domains.display_domain(domain.domain)} was removed.")
            return redirect("mail:domain_list")
    status = 400 if request.method == "POST" else 200
    context = {**_rows(domain), "remove_form": form}
    return render(request, "mail/domains/delete.html", context, status=status)
