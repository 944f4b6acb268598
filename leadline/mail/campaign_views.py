"""The campaign screens: list, editor, review and send, the campaign page with its progress, the
report with the contacts behind each number, and the CSV of recipients. Admins and marketing only;
every campaign is fetched through the access layer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.mail import campaign_selectors as selectors
from leadline.mail import campaigns as services
from leadline.mail.campaign_forms import CampaignForm, ResumeForm
from leadline.mail.models import Campaign
from leadline.mail.selectors import default_sender_identity

EDITABLE = (Campaign.Status.DRAFT,)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _refused(request: HttpRequest, campaign: Campaign, error: ValidationError) -> HttpResponse:
    """An action the campaign cannot take: 409 when its status does not allow it, 400 for bad input."""
    status = 409 if isinstance(error, services.CampaignStateError) else 400
    context = {"campaign": campaign, "message": _error_text(error)}
    return render(request, "mail/campaigns/refused.html", context, status=status)


def _local_wall(campaign: Campaign) -> Any:
    """The time of day a local-time campaign is sent at, wherever each recipient is."""
    if campaign.local_time and campaign.scheduled_at:
        return services.wall_clock(campaign.scheduled_at)
    return None


def _campaign(request: HttpRequest, public_id: Any) -> Campaign:
    return selectors.campaign_get(user=request.user, public_id=public_id, for_edit=True)


@require_GET
@role_required("marketing")
def campaign_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[: selectors.SEARCH_MAX_LENGTH]
    status = request.GET.get("status", "")
    page = paginate(selectors.campaign_list(user=request.user, q=q, status=status), request.GET)
    context = {
        "page": page,
        "q": q,
        "status": status if status in Campaign.Status.values else "",
        "statuses": Campaign.Status.choices,
    }
    return render(request, "mail/campaigns/list.html", context)


def _editor(
    request: HttpRequest, form: CampaignForm, campaign: Campaign | None, status: int = 200
) -> HttpResponse:
    return render(request, "mail/campaigns/form.html", {"form": form, "campaign": campaign}, status=status)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def campaign_create(request: HttpRequest) -> HttpResponse:
    audiences = selectors.audience_choices(user=request.user)
    sender = default_sender_identity()
    initial = {"sender": sender.public_id if sender else None}
    form = CampaignForm(request.POST or None, user=request.user, audiences=audiences, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, data=form.campaign_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{campaign.name}” was saved as a draft. Review it before sending.")
            return redirect("mail:campaign_review", public_id=campaign.public_id)
    return _editor(request, form, None, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@role_required("marketing")
def campaign_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    if campaign.status not in EDITABLE:
        messages.error(request, "Only a draft can be changed. Move a scheduled campaign back to draft first.")
        return redirect("mail:campaign_detail", public_id=campaign.public_id)
    audiences = selectors.audience_choices(user=request.user)
    form = CampaignForm(request.POST or None, user=request.user, audiences=audiences, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(campaign=campaign, actor=request.user, data=form.campaign_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Campaign saved.")
            return redirect("mail:campaign_review", public_id=campaign.public_id)
    return _editor(request, form, campaign, status=400 if request.method == "POST" else 200)


@require_GET
@role_required("marketing")
def campaign_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    context: dict[str, Any] = {
        "campaign": campaign,
        "progress": selectors.campaign_progress(campaign),
        "resume_form": ResumeForm(),
        "complaint_percent": campaign.complaint_rate_limit * 100,
        "local_wall": _local_wall(campaign),
    }
    if campaign.started_at is not None:
        report = selectors.campaign_report(campaign)
        context["report"] = report
    return render(request, "mail/campaigns/detail.html", context)


@require_GET
@role_required("marketing")
def campaign_progress(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    context = {"campaign": campaign, "progress": selectors.campaign_progress(campaign)}
    return render(request, "mail/campaigns/_progress.html", context)


@require_GET
@role_required("marketing")
def campaign_review(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    if campaign.status not in EDITABLE:
        return redirect("mail:campaign_detail", public_id=campaign.public_id)
    return _review(request, campaign)


def _review(
    request: HttpRequest, campaign: Campaign, *, send_error: str = "", status: int = 200
) -> HttpResponse:
    audience = services.audience_resolve(campaign=campaign)
    problems = services.campaign_problems(campaign=campaign, actor=request.user, audience=audience)
    each = services.ab_split_size(audience.eligible, campaign.ab_sample_percent)
    context = {
        "campaign": campaign,
        "audience": audience,
        "problems": problems,
        "send_error": send_error,
        "ab_each": each,
        "ab_rest": audience.eligible - 2 * each,
        "complaint_percent": campaign.complaint_rate_limit * 100,
        "local_wall": _local_wall(campaign),
    }
    return render(request, "mail/campaigns/review.html", context, status=status)


@require_POST
@role_required("marketing")
def campaign_send(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Send now, or schedule for the time saved in the draft."""
    campaign = _campaign(request, public_id)
    try:
        if campaign.status == Campaign.Status.DRAFT and campaign.scheduled_at is not None:
            services.campaign_schedule(campaign=campaign, actor=request.user)
            messages.success(request, f"“{campaign.name}” is scheduled.")
        else:
            services.campaign_send_now(campaign=campaign, actor=request.user)
            if campaign.status == Campaign.Status.SCHEDULED:
                messages.success(request, f"“{campaign.name}” starts going out within a minute.")
            else:
                count = campaign.recipients_count
                messages.success(
                    request,
                    f"“{campaign.name}” is on its way to {count:,} {'person' if count == 1 else 'people'}.",
                )
    except ValidationError as error:
        if campaign.status in EDITABLE and not isinstance(error, services.CampaignStateError):
            return _review(request, campaign, send_error=_error_text(error), status=400)
        return _refused(request, campaign, error)
    return redirect("mail:campaign_detail", public_id=campaign.public_id)


def _state_action(request: HttpRequest, public_id: Any, action: str) -> HttpResponse:
    campaign = _campaign(request, public_id)
    try:
        if action == "pause":
            services.campaign_pause(campaign=campaign, actor=request.user, reason="Paused by hand.")
            messages.success(request, "Paused: nothing more goes out until you resume.")
        elif action == "resume":
            form = ResumeForm(request.POST)
            if not form.is_valid():
                raise ValidationError([message for errors in form.errors.values() for message in errors])
            services.campaign_resume(
                campaign=campaign, actor=request.user, complaint_rate_limit=form.complaint_rate_limit()
            )
            messages.success(request, "Resumed.")
        elif action == "cancel":
            cancelled = services.campaign_cancel(campaign=campaign, actor=request.user)
            messages.success(
                request,
                f"Cancelled. {cancelled:,} email{'s' if cancelled != 1 else ''} that had not gone out yet will not be sent.",
            )
        elif action == "unschedule":
            services.campaign_unschedule(campaign=campaign, actor=request.user)
            messages.success(request, "Back to draft: change it and schedule it again.")
            return redirect("mail:campaign_edit", public_id=campaign.public_id)
    except ValidationError as error:
        return _refused(request, campaign, error)
    return redirect("mail:campaign_detail", public_id=campaign.public_id)


@require_POST
@role_required("marketing")
def campaign_pause(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _state_action(request, public_id, "pause")


@require_POST
@role_required("marketing")
def campaign_resume(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _state_action(request, public_id, "resume")


@require_POST
@role_required("marketing")
def campaign_cancel(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _state_action(request, public_id, "cancel")


@require_POST
@role_required("marketing")
def campaign_unschedule(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _state_action(request, public_id, "unschedule")


@require_POST
@role_required("marketing")
def campaign_duplicate(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    copy = services.campaign_duplicate(campaign=campaign, actor=request.user)
    messages.success(request, f"Made “{copy.name}”, a draft with the same settings.")
    return redirect("mail:campaign_edit", public_id=copy.public_id)


@require_POST
@role_required("marketing")
def campaign_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    try:
        services.campaign_delete(campaign=campaign, actor=request.user)
    except ValidationError as error:
        return _refused(request, campaign, error)
    messages.success(request, f"“{campaign.name}” was deleted.")
    return redirect("mail:campaign_list")


# --- The report -----------------------------------------------------------------------------------


@require_GET
@role_required("marketing")
def campaign_report(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    report = selectors.campaign_report(campaign)
    return render(request, "mail/campaigns/report.html", {"campaign": campaign, "report": report})


def _metric(request: HttpRequest) -> tuple[str, str]:
    metric = request.GET.get("metric", "recipients")
    url = request.GET.get("url", "")[: selectors.URL_MAX_LENGTH]
    if selectors.metric_filter(metric, url=url) is None:
        raise Http404("No such number in the report")
    return metric, url


@require_GET
@role_required("marketing")
def campaign_recipients(request: HttpRequest, public_id: Any) -> HttpResponse:
    campaign = _campaign(request, public_id)
    metric, url = _metric(request)
    rows = selectors.campaign_recipients(campaign, metric=metric, url=url)
    context = {
        "campaign": campaign,
        "metric": metric,
        "metric_label": selectors.METRIC_LABELS[metric],
        "metrics": [
            (name, label) for name, label in selectors.METRIC_LABELS.items() if name != "clicked_url"
        ],
        "url": url,
        "page": paginate(rows, request.GET),
    }
    return render(request, "mail/campaigns/recipients.html", context)


def _encoded(lines: Iterator[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= 200:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


@require_GET
@role_required("marketing")
def campaign_export(request: HttpRequest, public_id: Any) -> Any:
    """The recipients table (or the rows behind one number) as CSV; formula-safe cells."""
    campaign = _campaign(request, public_id)
    metric, url = _metric(request)
    rows = selectors.campaign_recipients(campaign, metric=metric, url=url)
    response = StreamingHttpResponse(
        _encoded(selectors.recipients_csv_lines(campaign, rows)), content_type="text/csv; charset=utf-8"
    )
    name = f"campaign-{str(campaign.public_id)[:8]}-{metric}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
