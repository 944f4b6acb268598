"""Contact and company screens: lists with search and bulk actions, pages, forms, merge."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts.selectors import active_users
from leadline.contacts import services
from leadline.contacts.forms import (
    CompanyForm,
    ContactBulkForm,
    ContactFilterForm,
    ContactForm,
    CustomPropertyForm,
)
from leadline.contacts.models import Company, Contact, LifecycleStage, PropertyObject
from leadline.contacts.selectors import (
    company_choices,
    company_contact_count,
    company_get,
    company_search,
    company_sort_key,
    consent_history,
    contact_get,
    contact_merge_preview,
    contact_search,
    contacts_at_company,
    contacts_editable,
    custom_property_get,
    custom_property_list,
    merge_candidates,
)
from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import PAGE_SIZES, paginate

CONTACT_COLUMNS = [
    ("name", "Name"),
    ("company", "Company"),
    ("stage", "Stage"),
    (None, "Owner"),
    ("score", "Score"),
    ("last_activity", "Last activity"),
    ("created", "Created"),
]
COMPANY_COLUMNS = [("name", "Company"), ("domain", "Domain"), (None, "Industry"), ("contacts", "Contacts"), (None, "Owner"), ("created", "Created")]  # fmt: skip


def _sort_headers(columns: list[tuple[str | None, str]], current: str) -> list[dict[str, Any]]:
    """Column headers with the sort value a click should request (toggling direction)."""
    headers = []
    for key, label in columns:
        direction = None
        if key is not None and current.removeprefix("-") == key:
            direction = "desc" if current.startswith("-") else "asc"
        next_sort = None
        if key is not None:
            # Numbers and dates read best newest/highest first; names A→Z.
            first = f"-{key}" if key in ("score", "last_activity", "created", "contacts") else key
            next_sort = (key if direction == "desc" else f"-{key}") if direction else first
        headers.append({"key": key, "label": label, "direction": direction, "next": next_sort})
    return headers


def _property_rows(properties: Any, stored: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(prop, stored.get(prop.key)) for prop in properties]


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- Contacts -------------------------------------------------------------------------------------


@require_GET
@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    owners = list(active_users())
    companies = list(company_choices(user=request.user))
    filter_form = ContactFilterForm(request.GET, owners=owners, companies=companies)
    filters = filter_form.filters()
    page = paginate(contact_search(user=request.user, filters=filters), request.GET)
    context = {
        "page": page,
        "filter_form": filter_form,
        "filters": filters,
        "headers": _sort_headers(CONTACT_COLUMNS, filters.sort),
        "email_header": _sort_headers([("email", "Email")], filters.sort)[0],
        "page_sizes": PAGE_SIZES,
        "owners": owners,
        "stages": LifecycleStage.choices,
        "query_string": request.GET.urlencode(),
    }
    return render(request, "contacts/contact_list.html", context)


def _bulk_queryset(request: HttpRequest, form: ContactBulkForm) -> Any:
    if form.cleaned_data.get("all_matching"):
        query = QueryDict(request.POST.get("query", ""))
        filter_form = ContactFilterForm(
            query, owners=list(active_users()), companies=list(company_choices(user=request.user))
        )
        matching = contact_search(user=request.user, filters=filter_form.filters())
        editable = Contact.objects.for_user(request.user, for_edit=True)
        return editable.filter(pk__in=matching.order_by().values("pk"))
    return contacts_editable(user=request.user, public_ids=request.POST.getlist("ids"))


@require_POST
@login_required
def contact_bulk(request: HttpRequest) -> HttpResponse:
    back = _safe_next(request, reverse("contacts:list"))
    form = ContactBulkForm(request.POST, owners=active_users())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    contacts = _bulk_queryset(request, form)
    count = contacts.count()
    if count == 0:
        messages.warning(request, "None of the selected contacts can be changed by you.")
        return redirect(back)
    action = form.cleaned_data["action"]
    if action == "delete" and not form.cleaned_data.get("confirmed"):
        context = {
            "count": count,
            "ids": request.POST.getlist("ids"),
            "all_matching": form.cleaned_data.get("all_matching"),
            "query": request.POST.get("query", ""),
            "next": back,
            "sample": list(contacts.order_by("-created_at")[:5]),
        }
        return render(request, "contacts/contact_bulk_delete.html", context)
    try:
        if action == "assign_owner":
            owner = form.chosen_owner()
            changed = services.contacts_bulk_assign_owner(contacts=contacts, owner=owner, actor=request.user)
            who = owner.display_name if owner else "nobody"
            messages.success(request, f"Assigned {changed} contact{'s' if changed != 1 else ''} to {who}.")
        elif action == "set_stage":
            stage = form.cleaned_data["lifecycle_stage"]
            changed = services.contacts_bulk_set_stage(contacts=contacts, stage=stage, actor=request.user)
            label = LifecycleStage(stage).label
            messages.success(request, f"Moved {changed} contact{'s' if changed != 1 else ''} to {label}.")
        else:
            deleted = services.contacts_bulk_delete(contacts=contacts, actor=request.user)
            messages.success(request, f"Deleted {deleted} contact{'s' if deleted != 1 else ''}.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(back)


def _contact_form(request: HttpRequest, contact: Contact | None = None) -> ContactForm:
    extra: dict[str, Any] = {}
    if contact is None:
        extra["initial"] = {"owner": getattr(request.user, "public_id", None)}
    return ContactForm(
        request.POST if request.method == "POST" else None,
        contact=contact,
        owners=active_users(),
        companies=company_choices(user=request.user),
        properties=custom_property_list(user=request.user, object_type=PropertyObject.CONTACT),
        **extra,
    )


@require_http_methods(["GET", "POST"])
@login_required
def contact_create(request: HttpRequest) -> HttpResponse:
    form = _contact_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(actor=request.user, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{contact.display_name} was added.")
            if Contact.objects.for_user(request.user).filter(pk=contact.pk).exists():
                return redirect("contacts:detail", public_id=contact.public_id)
            return redirect("contacts:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "contacts/contact_form.html", {"form": form, "contact": None}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def contact_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    contact = contact_get(user=request.user, public_id=public_id, for_edit=True)
    form = _contact_form(request, contact)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_update(contact=contact, actor=request.user, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Changes saved.")
            if Contact.objects.for_user(request.user).filter(pk=contact.pk).exists():
                return redirect("contacts:detail", public_id=contact.public_id)
            return redirect("contacts:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "contacts/contact_form.html", {"form": form, "contact": contact}, status=status)


@require_GET
@login_required
def contact_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    contact = contact_get(user=request.user, public_id=public_id)
    properties = list(custom_property_list(user=request.user, object_type=PropertyObject.CONTACT))
    defined = {prop.key for prop in properties}
    context = {
        "contact": contact,
        "property_rows": _property_rows(properties, contact.properties or {}),
        "undefined_properties": sorted(
            (key, value) for key, value in (contact.properties or {}).items() if key not in defined
        ),
        "consents": consent_history(contact=contact),
        "can_edit": Contact.objects.for_user(request.user, for_edit=True).filter(pk=contact.pk).exists(),
    }
    return render(request, "contacts/contact_detail.html", context)


@require_POST
@login_required
def contact_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    contact = contact_get(user=request.user, public_id=public_id, for_edit=True)
    name = contact.display_name
    services.contact_delete(contact=contact, actor=request.user)
    messages.success(request, f"{name} was deleted.")
    return redirect("contacts:list")


@require_http_methods(["GET", "POST"])
@login_required
def contact_merge(request: HttpRequest, public_id: Any) -> HttpResponse:
    contact = contact_get(user=request.user, public_id=public_id, for_edit=True)
    other = request.POST.get("duplicate") if request.method == "POST" else request.GET.get("with")
    duplicate = contact_get(user=request.user, public_id=other, for_edit=True) if other else None
    if duplicate is not None and duplicate.pk == contact.pk:
        messages.error(request, "A contact cannot be merged with itself. Choose another one.")
        return redirect("contacts:merge", public_id=contact.public_id)
    if request.method == "POST":
        if duplicate is None:
            messages.error(request, "Choose the contact to merge into this one.")
            return redirect("contacts:merge", public_id=contact.public_id)
        try:
            merged = services.contact_merge(primary=contact, duplicate=duplicate, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("contacts:merge", public_id=contact.public_id)
        messages.success(request, f"Merged the duplicate into {merged.display_name}.")
        return redirect("contacts:detail", public_id=merged.public_id)
    query = (request.GET.get("q") or "")[:200]
    context = {
        "contact": contact,
        "duplicate": duplicate,
        "query": query,
        "candidates": [] if duplicate else merge_candidates(user=request.user, contact=contact, q=query),
        "rows": contact_merge_preview(primary=contact, duplicate=duplicate) if duplicate else [],
    }
    return render(request, "contacts/contact_merge.html", context)


@require_GET
@login_required
def contact_merge_search(request: HttpRequest, public_id: Any) -> HttpResponse:
    contact = contact_get(user=request.user, public_id=public_id, for_edit=True)
    query = (request.GET.get("q") or "")[:200]
    candidates = merge_candidates(user=request.user, contact=contact, q=query)
    context = {"contact": contact, "candidates": candidates, "query": query}
    return render(request, "contacts/_merge_candidates.html", context)


# --- Companies ------------------------------------------------------------------------------------


@require_GET
@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:200]
    sort = company_sort_key(request.GET.get("sort"))
    page = paginate(company_search(user=request.user, q=query, sort=sort), request.GET)
    context = {"page": page, "query": query, "sort": sort, "headers": _sort_headers(COMPANY_COLUMNS, sort)}
    return render(request, "contacts/company_list.html", context)


def _company_form(request: HttpRequest, company: Company | None = None) -> CompanyForm:
    return CompanyForm(
        request.POST if request.method == "POST" else None,
        company=company,
        owners=active_users(),
        properties=custom_property_list(user=request.user, object_type=PropertyObject.COMPANY),
    )


@require_http_methods(["GET", "POST"])
@login_required
def company_create(request: HttpRequest) -> HttpResponse:
    form = _company_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(actor=request.user, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{company.name} was added.")
            return redirect("contacts:company_detail", public_id=company.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "contacts/company_form.html", {"form": form, "company": None}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def company_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    company = company_get(user=request.user, public_id=public_id, for_edit=True)
    form = _company_form(request, company)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_update(company=company, actor=request.user, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Changes saved.")
            return redirect("contacts:company_detail", public_id=company.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "contacts/company_form.html", {"form": form, "company": company}, status=status)


@require_GET
@login_required
def company_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    company = company_get(user=request.user, public_id=public_id)
    properties = list(custom_property_list(user=request.user, object_type=PropertyObject.COMPANY))
    context = {
        "company": company,
        "property_rows": _property_rows(properties, company.properties or {}),
        "contacts": contacts_at_company(user=request.user, company=company),
        "contact_count": company_contact_count(user=request.user, company=company),
        "can_edit": Company.objects.for_user(request.user, for_edit=True).filter(pk=company.pk).exists(),
    }
    return render(request, "contacts/company_detail.html", context)


@require_POST
@login_required
def company_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    company = company_get(user=request.user, public_id=public_id, for_edit=True)
    name = company.name
    services.company_delete(company=company, actor=request.user)
    messages.success(request, f"{name} was deleted. Its contacts were kept.")
    return redirect("contacts:company_list")


# --- Custom property definitions (mounted under /settings/properties/) ----------------------------


def _can_manage_properties(user: Any) -> bool:
    return bool(user.is_admin or user.is_marketing)


@require_GET
@login_required
def property_list(request: HttpRequest) -> HttpResponse:
    properties = list(custom_property_list(user=request.user))
    context = {
        "groups": [
            (label, [prop for prop in properties if prop.object_type == value])
            for value, label in PropertyObject.choices
        ],
        "can_manage": _can_manage_properties(request.user),
    }
    return render(request, "contacts/property_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def property_create(request: HttpRequest) -> HttpResponse:
    initial_object = request.GET.get("object_type")
    form = CustomPropertyForm(
        request.POST if request.method == "POST" else None,
        initial={"object_type": initial_object if initial_object in PropertyObject.values else "contact"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            prop = services.custom_property_create(
                actor=request.user,
                object_type=form.cleaned_data["object_type"],
                key=form.cleaned_data["key"],
                label=form.cleaned_data["label"],
                type=form.cleaned_data["type"],
                choices=form.choice_lines(),
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Property “{prop.label}” was added.")
            return redirect("contacts_settings:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "contacts/property_form.html", {"form": form, "prop": None}, status=status)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def property_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    prop = custom_property_get(user=request.user, public_id=public_id, for_edit=True)
    form = CustomPropertyForm(request.POST if request.method == "POST" else None, prop=prop)
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_property_update(
                prop=prop,
                actor=request.user,
                label=form.cleaned_data["label"],
                choices=form.choice_lines(),
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Property “{prop.label}” was saved.")
            return redirect("contacts_settings:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "contacts/property_form.html", {"form": form, "prop": prop}, status=status)


@require_POST
@role_required("marketing")
def property_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    prop = custom_property_get(user=request.user, public_id=public_id, for_edit=True)
    label = prop.label
    services.custom_property_delete(prop=prop, actor=request.user)
    messages.success(request, f"Property “{label}” was deleted. Values already stored are kept.")
    return redirect("contacts_settings:list")
