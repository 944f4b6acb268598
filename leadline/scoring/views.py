"""Scoring screens. Everyone sees the rules; admins and marketing change them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.scoring import services
from leadline.scoring.forms import ScoringRuleForm, ScoringSettingsForm
from leadline.scoring.models import Category
from leadline.scoring.predictive import contact_prediction_view, predictive_status
from leadline.scoring.predictive_features import MATURITY_DAYS
from leadline.scoring.selectors import (
    contact_prediction_of,
    contact_score_get,
    scoring_rule_get,
    scoring_rule_list,
    scoring_settings_get,
)


def _can_manage(user: Any) -> bool:
    return bool(user.is_admin or user.is_marketing)


def _list_page(request: HttpRequest, settings_form: ScoringSettingsForm, status: int = 200) -> HttpResponse:
    rules = list(scoring_rule_list(user=request.user))
    context = {
        "groups": [
            (
                Category.FIT,
                "Fit",
                "Who they are: job title, company size and industry, country, your own properties.",
                [rule for rule in rules if rule.category == Category.FIT],
            ),
            (
                Category.ENGAGEMENT,
                "Engagement",
                "What they do: points per event, fading with age, capped per rule.",
                [rule for rule in rules if rule.category == Category.ENGAGEMENT],
            ),
        ],
        "settings_form": settings_form,
        "can_manage": _can_manage(request.user),
        "predictive": predictive_status(),
        "maturity_days": MATURITY_DAYS,
    }
    return render(request, "scoring/rule_list.html", context, status=status)


@require_GET
@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, ScoringSettingsForm(instance=scoring_settings_get()))


@require_POST
@role_required("marketing")
def settings_update(request: HttpRequest) -> HttpResponse:
    form = ScoringSettingsForm(request.POST, instance=scoring_settings_get())
    if form.is_valid():
        try:
            services.scoring_settings_update(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)  # type: ignore[arg-type]
        else:
            messages.success(request, "Scoring settings saved. Scores are being recomputed.")
            return redirect("scoring:settings")
    return _list_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def rule_create(request: HttpRequest) -> HttpResponse:
    initial_category = request.GET.get("category")
    form = ScoringRuleForm(
        request.POST if request.method == "POST" else None,
        initial={
            "category": initial_category if initial_category in Category.values else Category.FIT,
            "active": True,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.scoring_rule_create(actor=request.user, data=form.rule_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Rule “{rule.name}” was added. Scores are being recomputed.")
            return redirect("scoring:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "scoring/rule_form.html", {"form": form, "rule": None}, status=status)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def rule_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    rule = scoring_rule_get(user=request.user, public_id=public_id, for_edit=True)
    form = ScoringRuleForm(request.POST if request.method == "POST" else None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.scoring_rule_update(rule=rule, actor=request.user, data=form.rule_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Rule “{rule.name}” was saved. Scores are being recomputed.")
            return redirect("scoring:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "scoring/rule_form.html", {"form": form, "rule": rule}, status=status)


@require_POST
@role_required("marketing")
def rule_toggle(request: HttpRequest, public_id: Any) -> HttpResponse:
    rule = scoring_rule_get(user=request.user, public_id=public_id, for_edit=True)
    services.scoring_rule_set_active(rule=rule, actor=request.user, active=not rule.active)
    messages.success(request, f"Rule “{rule.name}” is now {'on' if rule.active else 'off'}.")
    return redirect("scoring:settings")


@require_POST
@role_required("marketing")
def rule_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    rule = scoring_rule_get(user=request.user, public_id=public_id, for_edit=True)
    name = rule.name
    services.scoring_rule_delete(rule=rule, actor=request.user)
    messages.success(request, f"Rule “{name}” was deleted. Scores are being recomputed.")
    return redirect("scoring:settings")


@require_GET
@login_required
def contact_score(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The score breakdown of one contact, as a fragment the contact page can load."""
    contact, detail = contact_score_get(user=request.user, public_id=public_id)
    return render(
        request,
        "scoring/_contact_score.html",
        {
            "contact": contact,
            "detail": detail,
            "settings": scoring_settings_get(),
            "prediction": contact_prediction_view(contact, contact_prediction_of(contact)),
        },
    )


@require_POST
@role_required("marketing")
def predictive_train(request: HttpRequest) -> HttpResponse:
    """Retrain the predictive score now, in the background (it reads the whole history)."""
    from leadline.scoring.tasks import predictive_train_task

    predictive_train_task.enqueue(actor_id=request.user.pk)
    messages.success(request, "Retraining started. The result shows here within a minute or two.")
    return redirect(f"{reverse('scoring:settings')}#predictive")
