"""Screens of the hand-off: the sales queue, accept/reject, the marketing overview and the routing
settings. Thin: access helper → one service or selector → response."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.core.access import get_for_user
from leadline.core.decorators import admin_required, role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.sales import handoff_selectors as selectors
from leadline.sales import handoff_services as services
from leadline.sales import routing_settings as routing_config
from leadline.sales.handoff_forms import (
    ReasonForm,
    RejectForm,
    RoutingRuleForm,
    RoutingSettingsForm,
    RuleMoveForm,
)
from leadline.sales.models import Handoff, RejectionReason, RoutingRule, RoutingSettings


def _handoff_to_decide(request: HttpRequest, handoff_id: str) -> Handoff:
    """404 when the hand-off is not visible; 403 when visible but not the user's to decide."""
    handoff = get_for_user(Handoff.objects, request.user, handoff_id)
    if not Handoff.objects.for_user(request.user, for_edit=True).filter(pk=handoff.pk).exists():
        raise PermissionDenied("Only the salesperson the lead was routed to can accept or reject it.")
    return handoff


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.sales_queue(user=request.user), request.GET)  # type: ignore[arg-type]
    return render(
        request,
        "sales/queue.html",
        {
            "page": page,
            "now": timezone.now(),
            "reasons": list(selectors.rejection_reasons()),
            "reject_form": RejectForm(),
        },
    )


@login_required
@require_POST
def accept(request: HttpRequest, handoff_id: str) -> HttpResponse:
    handoff = _handoff_to_decide(request, handoff_id)
    try:
        services.handoff_accept(handoff=handoff, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Accepted {handoff.contact.display_name}: now a sales qualified lead.")
    return redirect("sales:queue")


@login_required
@require_http_methods(["GET", "POST"])
def reject(request: HttpRequest, handoff_id: str) -> HttpResponse:
    handoff = _handoff_to_decide(request, handoff_id)
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.handoff_reject(
                handoff=handoff,
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Sent {handoff.contact.display_name} back to marketing.")
            return redirect("sales:queue")
    status = 400 if request.method == "POST" else 200
    return render(request, "sales/reject.html", {"handoff": handoff, "form": form}, status=status)


@role_required("marketing")
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 90
    data = selectors.handoff_overview(user=request.user, days=days)  # type: ignore[arg-type]
    return render(request, "sales/overview.html", {"overview": data, "periods": selectors.PERIODS})


@admin_required
@require_http_methods(["GET", "POST"])
def routing_settings(request: HttpRequest) -> HttpResponse:
    instance = RoutingSettings.load()
    form = RoutingSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.routing_settings_update(actor=request.user, data=form.cleaned_data)  # type: ignore[arg-type]
        messages.success(request, "Routing settings saved.")
        return redirect("sales:settings")
    return render(
        request,
        "sales/settings.html",
        {
            "form": form,
            "reason_form": ReasonForm(),
            "reasons": RejectionReason.objects.for_user(request.user),
            "rule_form": RoutingRuleForm(),
            "rules": list(
                RoutingRule.objects.for_user(request.user)
                .select_related("assign_to", "assign_to_team")
                .order_by("position", "id")
            ),
            "moved": request.GET.get("moved", ""),
            "moved_direction": request.GET.get("direction", ""),
        },
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    form = RoutingRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.routing_rule_create(actor=request.user, data=form.cleaned_data)  # type: ignore[arg-type]
        messages.success(request, "Rule added.")
        return redirect("sales:settings")
    return render(
        request, "sales/rule_form.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@admin_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: str) -> HttpResponse:
    rule = get_for_user(RoutingRule.objects, request.user, rule_id, for_edit=True)
    form = RoutingRuleForm(request.POST or None, initial=RoutingRuleForm.initial_for(rule))
    if request.method == "POST" and form.is_valid():
        try:
            routing_config.routing_rule_update(actor=request.user, rule=rule, data=form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Rule “{rule.name}” saved.")
            return redirect("sales:settings")
    return render(
        request,
        "sales/rule_form.html",
        {"form": form, "rule": rule},
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_POST
def rule_move(request: HttpRequest, rule_id: str) -> HttpResponse:
    """Move a rule one place up or down; the page comes back with focus on the same button."""
    rule = get_for_user(RoutingRule.objects, request.user, rule_id, for_edit=True)
    form = RuleMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Move a rule up or down.")
        return redirect("sales:settings")
    direction = form.cleaned_data["direction"]
    routing_config.routing_rule_move(actor=request.user, rule=rule, direction=direction)  # type: ignore[arg-type]
    # No #fragment: browsers skip `autofocus` on a page opened at one, and focus is what we want back.
    return redirect(f"{reverse('sales:settings')}?moved={rule.public_id}&direction={direction}")


@admin_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: str) -> HttpResponse:
    rule = get_for_user(RoutingRule.objects, request.user, rule_id, for_edit=True)
    services.routing_rule_delete(actor=request.user, rule=rule)  # type: ignore[arg-type]
    messages.success(request, "Rule deleted.")
    return redirect("sales:settings")


@admin_required
@require_POST
def reason_create(request: HttpRequest) -> HttpResponse:
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.rejection_reason_create(actor=request.user, label=form.cleaned_data["label"])  # type: ignore[arg-type]
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Reason added.")
    else:
        messages.error(request, "Give the reason a name of up to 80 characters.")
    return redirect("sales:settings")


@admin_required
@require_POST
def reason_toggle(request: HttpRequest, reason_id: str) -> HttpResponse:
    reason = get_for_user(RejectionReason.objects, request.user, reason_id, for_edit=True)
    services.rejection_reason_set_active(actor=request.user, reason=reason, active=not reason.is_active)  # type: ignore[arg-type]
    messages.success(request, f"“{reason.label}” is now {'offered' if reason.is_active else 'hidden'}.")
    return redirect("sales:settings")
