"""The form builder: list, settings, fields, preview, embed snippet and submissions.

Everyone signed in may look; admins and marketing build. Field edits answer htmx requests with the
field list alone, and plain requests with a redirect, so the builder works without JavaScript too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts.models import Team
from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.forms import selectors, services
from leadline.forms.builder_forms import FormFieldForm, FormSettingsForm
from leadline.forms.models import Form
from leadline.forms.rendering import public_fields
from leadline.forms.spam import HONEYPOT_FIELD, TOKEN_FIELD
from leadline.tracking.models import Site


def _can_edit(user: Any) -> bool:
    return bool(user.is_admin or user.is_marketing)


def _settings_form(request: HttpRequest, form: Form | None = None) -> FormSettingsForm:
    return FormSettingsForm(
        request.POST if request.method == "POST" else None,
        form=form,
        sites=Site.objects.for_user(request.user),
        teams=Team.objects.for_user(request.user),
    )


def _field_form(
    data: Any = None,
    *,
    editing: bool = False,
    initial: dict[str, Any] | None = None,
    exclude: set[str] | frozenset[str] = frozenset(),
) -> FormFieldForm:
    properties = list(selectors.contact_properties().values())
    targets = [(value, label) for value, label in services.target_choices(properties) if value not in exclude]
    return FormFieldForm(
        data,
        targets=targets,
        editing=editing,
        initial=initial,
    )


def _embed_snippet(form: Form) -> str:
    script = settings.BASE_URL + reverse("forms_public:embed_js", args=[form.slug])
    return f'<div data-leadline-form="{form.slug}"></div>\n<script src="{script}" async></script>'


def _builder_context(
    request: HttpRequest, form: Form, field_form: FormFieldForm | None = None
) -> dict[str, Any]:
    fields = selectors.form_fields(form=form)
    properties = selectors.contact_properties()
    used = {field.target for field in fields}
    can_edit = _can_edit(request.user)
    if can_edit and field_form is None:
        field_form = _field_form(exclude=used)
    return {
        "form": form,
        "fields": fields,
        "missing_properties": {
            field.pk for field in fields if field.is_property and field.property_key not in properties
        },
        "field_form": field_form,
        "can_edit": can_edit,
        "hosted_url": settings.BASE_URL + reverse("forms_public:hosted", args=[form.slug]),
        "embed_snippet": _embed_snippet(form),
        "submission_count": form.submissions.count(),
    }


def _fields_response(
    request: HttpRequest,
    form: Form,
    *,
    field_form: FormFieldForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        # htmx only swaps in 2xx answers, so a refused change comes back as 200 with its message.
        context = {**_builder_context(request, form, field_form), "error": error}
        return render(request, "forms/_fields.html", context)
    if field_form is not None and status >= 400:
        return render(
            request, "forms/detail.html", _builder_context(request, form, field_form), status=status
        )
    if error:
        messages.error(request, error)
    return redirect("forms:detail", public_id=form.public_id)


@require_GET
@login_required
def form_list(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.form_list(user=request.user), request.GET)
    return render(request, "forms/list.html", {"page": page, "can_edit": _can_edit(request.user)})


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def form_create(request: HttpRequest) -> HttpResponse:
    settings_form = _settings_form(request)
    if request.method == "POST" and settings_form.is_valid():
        try:
            form = services.form_create(actor=request.user, data=settings_form.service_data())
        except ValidationError as error:
            add_service_errors(settings_form, error)
        else:
            messages.success(request, f"“{form.name}” was created. Add the fields it should ask for.")
            return redirect("forms:detail", public_id=form.public_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "forms/settings.html", {"settings_form": settings_form, "form": None}, status=status
    )


@require_GET
@login_required
def form_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    form = selectors.form_get(user=request.user, public_id=public_id)
    return render(request, "forms/detail.html", _builder_context(request, form))


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def form_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    form = selectors.form_get(user=request.user, public_id=public_id, for_edit=True)
    settings_form = _settings_form(request, form)
    if request.method == "POST" and settings_form.is_valid():
        try:
            services.form_update(form=form, actor=request.user, data=settings_form.service_data())
        except ValidationError as error:
            add_service_errors(settings_form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("forms:detail", public_id=form.public_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "forms/settings.html", {"settings_form": settings_form, "form": form}, status=status
    )


@require_POST
@role_required("marketing")
def form_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    form = selectors.form_get(user=request.user, public_id=public_id, for_edit=True)
    name = form.name
    services.form_delete(form=form, actor=request.user)
    messages.success(request, f"“{name}” was deleted.")
    return redirect("forms:list")


@require_GET
@login_required
def form_preview(request: HttpRequest, public_id: Any) -> HttpResponse:
    form = selectors.form_get(user=request.user, public_id=public_id)
    fields = public_fields(fields=selectors.form_fields(form=form), properties=selectors.contact_properties())
    context = {
        "form": form,
        "fields": fields,
        "preview": True,
        "honeypot_field": HONEYPOT_FIELD,
        "token_field": TOKEN_FIELD,
    }
    return render(request, "forms/preview.html", context)


@require_GET
@login_required
def submission_list(request: HttpRequest, public_id: Any) -> HttpResponse:
    form = selectors.form_get(user=request.user, public_id=public_id)
    page = paginate(selectors.submission_list(user=request.user, form=form), request.GET)
    labels = {field.input_name: field.label for field in selectors.form_fields(form=form)}
    return render(request, "forms/submissions.html", {"form": form, "page": page, "labels": labels})


# --- Fields ---------------------------------------------------------------------------------------


@require_POST
@role_required("marketing")
def field_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    form = selectors.form_get(user=request.user, public_id=public_id, for_edit=True)
    field_form = _field_form(request.POST)
    if field_form.is_valid():
        try:
            services.form_field_add(form=form, actor=request.user, data=field_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(field_form, error)
        else:
            return _fields_response(request, form)
    return _fields_response(request, form, field_form=field_form, status=400)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def field_edit(request: HttpRequest, public_id: Any, field_id: Any) -> HttpResponse:
    form = selectors.form_get(user=request.user, public_id=public_id, for_edit=True)
    field = selectors.form_field_get(form=form, public_id=field_id)
    initial = {
        "label": field.label,
        "required": field.required,
        "placeholder": field.placeholder,
        "help_text": field.help_text,
    }
    field_form = _field_form(
        request.POST if request.method == "POST" else None, editing=True, initial=initial
    )
    if request.method == "POST" and field_form.is_valid():
        try:
            services.form_field_update(field=field, actor=request.user, data=field_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(field_form, error)
        else:
            messages.success(request, f"“{field.label}” saved.")
            return redirect("forms:detail", public_id=form.public_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "forms/field_edit.html",
        {"form": form, "field": field, "field_form": field_form},
        status=status,
    )


@require_POST
@role_required("marketing")
def field_move(request: HttpRequest, public_id: Any, field_id: Any) -> HttpResponse:
    form = selectors.form_get(user=request.user, public_id=public_id, for_edit=True)
    field = selectors.form_field_get(form=form, public_id=field_id)
    try:
        services.form_field_move(field=field, actor=request.user, direction=request.POST.get("direction", ""))
    except ValidationError as error:
        return _fields_response(request, form, error=" ".join(error.messages), status=400)
    return _fields_response(request, form)


@require_POST
@role_required("marketing")
def field_remove(request: HttpRequest, public_id: Any, field_id: Any) -> HttpResponse:
    form = selectors.form_get(user=request.user, public_id=public_id, for_edit=True)
    field = selectors.form_field_get(form=form, public_id=field_id)
    try:
        services.form_field_remove(field=field, actor=request.user)
    except ValidationError as error:
        return _fields_response(request, form, error=" ".join(error.messages), status=400)
    return _fields_response(request, form)
