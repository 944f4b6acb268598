"""Pipeline settings (admins only): pipelines and their stages, the default pipeline, lost reasons."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts.models import User
from leadline.core.access import get_for_user
from leadline.core.decorators import admin_required
from leadline.core.forms import add_service_errors
from leadline.sales import pipeline_services as services
from leadline.sales.deal_forms import LostReasonForm, PipelineForm, StageForm
from leadline.sales.models import LostReason, Pipeline, Stage


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _pipeline(request: HttpRequest, public_id: Any) -> Pipeline:
    return get_for_user(Pipeline.objects, request.user, public_id, for_edit=True)


def _stage(request: HttpRequest, public_id: Any) -> Stage:
    return get_for_user(Stage.objects.select_related("pipeline"), request.user, public_id, for_edit=True)


def _edit_url(pipeline: Pipeline) -> str:
    return reverse("sales:pipeline_edit", args=[pipeline.public_id])


def _error_message(error: ValidationError) -> str:
    return " ".join(error.messages)


@admin_required
@require_GET
def pipeline_settings(request: HttpRequest) -> HttpResponse:
    pipelines = (
        Pipeline.objects.for_user(request.user, for_edit=True)
        .annotate(deal_count=Count("deals"))
        .prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("position", "id")))
        .order_by("is_archived", "position", "name")
    )
    return render(
        request,
        "sales/deals/settings.html",
        {
            "pipelines": pipelines,
            "reasons": LostReason.objects.for_user(request.user, for_edit=True),
            "reason_form": LostReasonForm(),
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_create(request: HttpRequest) -> HttpResponse:
    form = PipelineForm(request.POST or None, initial={"currency": "USD", "rotting_days": 14})
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = services.pipeline_create(actor=_user(request), data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Pipeline “{pipeline.name}” created with starter stages; adapt them below."
            )
            return redirect(_edit_url(pipeline))
    return render(
        request,
        "sales/deals/pipeline_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _edit_page(
    request: HttpRequest,
    pipeline: Pipeline,
    *,
    form: PipelineForm | None = None,
    stage_form: StageForm | None = None,
    failed_stage: Stage | None = None,
    failed_stage_form: StageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    stages = list(pipeline.stages.annotate(deal_count=Count("deals")).order_by("position", "id"))
    rows = []
    for stage in stages:
        if failed_stage is not None and stage.pk == failed_stage.pk and failed_stage_form is not None:
            rows.append((stage, failed_stage_form))
            continue
        initial = {
            "name": stage.name,
            "probability": stage.probability,
            "kind": stage.kind,
            "required_fields": stage.required_fields,
        }
        rows.append((stage, StageForm(initial=initial, prefix=f"stage-{stage.public_id}")))
    return render(
        request,
        "sales/deals/pipeline_edit.html",
        {
            "pipeline": pipeline,
            "form": form
            or PipelineForm(
                initial={
                    "name": pipeline.name,
                    "currency": pipeline.currency,
                    "rotting_days": pipeline.rotting_days,
                    "is_default": pipeline.is_default,
                }
            ),
            "rows": rows,
            "stage_form": stage_form or StageForm(prefix="new"),
            "deal_count": pipeline.deals.count(),
        },
        status=status,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request: HttpRequest, pipeline_id: Any) -> HttpResponse:
    pipeline = _pipeline(request, pipeline_id)
    if request.method == "GET":
        return _edit_page(request, pipeline)
    form = PipelineForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        if not data["is_default"]:
            data.pop("is_default")  # unticking does not unset: another pipeline is made default instead
        try:
            services.pipeline_update(pipeline=pipeline, actor=_user(request), data=data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Pipeline saved.")
            return redirect(_edit_url(pipeline))
    return _edit_page(request, pipeline, form=form, status=400)


@admin_required
@require_POST
def pipeline_make_default(request: HttpRequest, pipeline_id: Any) -> HttpResponse:
    pipeline = _pipeline(request, pipeline_id)
    try:
        services.pipeline_set_default(pipeline=pipeline, actor=_user(request))
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, f"“{pipeline.name}” is now the default pipeline.")
    return redirect("sales:pipeline_settings")


@admin_required
@require_POST
def pipeline_archive(request: HttpRequest, pipeline_id: Any) -> HttpResponse:
    pipeline = _pipeline(request, pipeline_id)
    archive = not pipeline.is_archived
    try:
        services.pipeline_set_archived(pipeline=pipeline, actor=_user(request), archived=archive)
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, f"“{pipeline.name}” {'archived' if archive else 'restored'}.")
    return redirect("sales:pipeline_settings")


@admin_required
@require_POST
def pipeline_delete(request: HttpRequest, pipeline_id: Any) -> HttpResponse:
    pipeline = _pipeline(request, pipeline_id)
    try:
        services.pipeline_delete(pipeline=pipeline, actor=_user(request))
    except ValidationError as error:
        messages.error(request, _error_message(error))
        return redirect(_edit_url(pipeline))
    messages.success(request, f"Pipeline “{pipeline.name}” deleted.")
    return redirect("sales:pipeline_settings")


# --- Stages ---------------------------------------------------------------------------------------


@admin_required
@require_POST
def stage_create(request: HttpRequest, pipeline_id: Any) -> HttpResponse:
    pipeline = _pipeline(request, pipeline_id)
    form = StageForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            stage = services.stage_create(pipeline=pipeline, actor=_user(request), data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Stage “{stage.name}” added.")
            return redirect(_edit_url(pipeline) + "#stages")
    return _edit_page(request, pipeline, stage_form=form, status=400)


@admin_required
@require_POST
def stage_update(request: HttpRequest, stage_id: Any) -> HttpResponse:
    stage = _stage(request, stage_id)
    form = StageForm(request.POST, prefix=f"stage-{stage.public_id}")
    if form.is_valid():
        try:
            services.stage_update(stage=stage, actor=_user(request), data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Stage “{stage.name}” saved.")
            return redirect(_edit_url(stage.pipeline) + "#stages")
    stage.refresh_from_db()
    return _edit_page(request, stage.pipeline, failed_stage=stage, failed_stage_form=form, status=400)


@admin_required
@require_POST
def stage_reorder(request: HttpRequest, stage_id: Any) -> HttpResponse:
    """Up or down one place: buttons that work with a keyboard."""
    stage = _stage(request, stage_id)
    try:
        services.stage_shift(stage=stage, actor=_user(request), direction=request.POST.get("direction", ""))
    except ValidationError as error:
        messages.error(request, _error_message(error))
    return redirect(_edit_url(stage.pipeline) + "#stages")


@admin_required
@require_POST
def stage_delete(request: HttpRequest, stage_id: Any) -> HttpResponse:
    stage = _stage(request, stage_id)
    try:
        services.stage_delete(stage=stage, actor=_user(request))
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, f"Stage “{stage.name}” deleted.")
    return redirect(_edit_url(stage.pipeline) + "#stages")


# --- Lost reasons ---------------------------------------------------------------------------------


@admin_required
@require_POST
def lost_reason_create(request: HttpRequest) -> HttpResponse:
    form = LostReasonForm(request.POST)
    if form.is_valid():
        try:
            services.lost_reason_create(actor=_user(request), label=form.cleaned_data["label"])
        except ValidationError as error:
            messages.error(request, _error_message(error))
        else:
            messages.success(request, "Lost reason added.")
    else:
        messages.error(request, "Give the reason a name of up to 80 characters.")
    return redirect(reverse("sales:pipeline_settings") + "#lost-reasons")


@admin_required
@require_POST
def lost_reason_toggle(request: HttpRequest, reason_id: Any) -> HttpResponse:
    reason = get_for_user(LostReason.objects, request.user, reason_id, for_edit=True)
    services.lost_reason_set_active(reason=reason, actor=_user(request), active=not reason.is_active)
    messages.success(request, f"“{reason.label}” is now {'offered' if reason.is_active else 'hidden'}.")
    return redirect(reverse("sales:pipeline_settings") + "#lost-reasons")
