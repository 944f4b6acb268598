"""Screens of deals: the kanban board per pipeline, the list and its CSV export, a deal's page, the
create/edit forms, stage moves (drag and drop, keyboard and buttons) and a contact's deals.

Everyone signed in reads the deals they may see; marketing cannot change them (403), and deals of
salespeople outside one's team answer 404 as if they did not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts.models import User
from leadline.contacts.models import Company, Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.sales import deal_selectors as selectors
from leadline.sales import deal_services as services
from leadline.sales.deal_forms import (
    DealForm,
    DealLineFormSet,
    DealNoteForm,
    LostForm,
    product_choices,
)
from leadline.sales.models import Deal, DealStatus, Pipeline, Stage, StageKind

MAX_LOOKUP_RESULTS = 12


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _editable_deal(request: HttpRequest, public_id: Any) -> Deal:
    """404 when the deal is not visible; marketing never gets here (role_required)."""
    return selectors.deal_get(user=_user(request), public_id=public_id, for_edit=True)


# --- Board and list -------------------------------------------------------------------------------


@login_required
@require_GET
def board(request: HttpRequest, pipeline_id: Any = None) -> HttpResponse:
    user = _user(request)
    pipelines = list(selectors.pipeline_list(user=user, with_stages=False))
    chosen: Pipeline | None
    if pipeline_id is not None:
        chosen = selectors.pipeline_for_board(user=user, public_id=pipeline_id)
    else:
        chosen = next(
            (option for option in pipelines if option.is_default), pipelines[0] if pipelines else None
        )
    if chosen is None:
        return render(request, "sales/deals/no_pipeline.html")
    pipeline = chosen
    filters = selectors.deal_filters(request.GET)
    deal_board = selectors.deal_board(user=user, pipeline=pipeline, filters=filters)
    open_count = deal_board.open_count
    return render(
        request,
        "sales/deals/board.html",
        {
            "subtitle": f"{open_count:,} open deal{'' if open_count == 1 else 's'} in {pipeline.name}",
            "board": deal_board,
            "pipeline": pipeline,
            "pipelines": pipelines,
            "owners": list(selectors.deal_owners()),
            "lost_reasons": list(selectors.lost_reasons()),
            "filters": filters,
            "can_edit": not user.is_marketing,
            "board_url": request.get_full_path(),
        },
    )


def _sort_headers(filters: selectors.DealFilters) -> list[dict[str, str]]:
    current = filters.sort.lstrip("-")
    descending = filters.sort.startswith("-")
    headers = []
    for key, label in selectors.SORT_LABELS:
        direction = ("desc" if descending else "asc") if key == current else ""
        following = f"-{key}" if key == current and not descending else key
        headers.append({"key": key, "label": label, "direction": direction, "next": following})
    return headers


@login_required
@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = selectors.deal_filters(request.GET)
    deals = selectors.deal_search(user=user, filters=filters)
    page = paginate(deals, request.GET)
    pipelines = list(selectors.pipeline_list(user=user, include_archived=True))
    query = request.GET.copy()
    query.pop("page", None)
    count = page.paginator.count
    noun = {"open": "open deal", "won": "won deal", "lost": "lost deal"}.get(filters.status, "deal")
    subtitle = f"{count:,} {noun}{'' if count == 1 else 's'}"
    if filters.is_filtered or filters.pipeline:
        subtitle += " match your filters"
    return render(
        request,
        "sales/deals/list.html",
        {
            "subtitle": subtitle,
            "page": page,
            "filters": filters,
            "headers": _sort_headers(filters),
            "pipelines": pipelines,
            "stages": [(pipeline, list(pipeline.stages.all())) for pipeline in pipelines],
            "owners": list(selectors.deal_owners()),
            "can_edit": not user.is_marketing,
            "query_string": query.urlencode(),
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def deal_export(request: HttpRequest) -> StreamingHttpResponse:
    """The list's deals (same filters, every page) as CSV, safe to open in a spreadsheet."""
    deals = selectors.deal_search(user=_user(request), filters=selectors.deal_filters(request.GET))
    response = StreamingHttpResponse(
        selectors.stream_deal_export(deals), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="deals-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


# --- One deal -------------------------------------------------------------------------------------


@login_required
@require_GET
def deal_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    user = _user(request)
    deal = selectors.deal_get(user=user, public_id=public_id)
    return _detail_page(request, deal)


def _detail_page(
    request: HttpRequest,
    deal: Deal,
    *,
    note_form: DealNoteForm | None = None,
    lost_form: LostForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    stages = list(deal.pipeline.stages.order_by("position", "id"))
    now = timezone.now()
    rotting_days = deal.pipeline.rotting_days
    return render(
        request,
        "sales/deals/detail.html",
        {
            "deal": deal,
            "stages": stages,
            "won_stage": next((stage for stage in stages if stage.kind == StageKind.WON), None),
            "lost_stage": next((stage for stage in stages if stage.kind == StageKind.LOST), None),
            "lines": selectors.deal_lines(deal),
            "history": selectors.deal_stage_history(deal),
            "other_contacts": list(deal.other_contacts.order_by("first_name", "last_name", "email")),
            "timeline": selectors.deal_timeline(user=user, deal=deal),
            "can_edit": not user.is_marketing and selectors.deal_can_edit(user=user, deal=deal),
            "note_form": note_form or DealNoteForm(),
            "lost_form": lost_form or LostForm(),
            "order": getattr(deal, "order", None) if deal.status == DealStatus.WON else None,
            "is_rotting": bool(
                rotting_days
                and deal.status == DealStatus.OPEN
                and (now - deal.last_activity_at).days >= rotting_days
            ),
            "now": now,
            "show_contact": True,
            "user": user,
        },
        status=status,
    )


def _form_page(
    request: HttpRequest,
    form: DealForm,
    lines: Any,
    *,
    deal: Deal | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "sales/deals/form.html",
        {
            "form": form,
            "lines": lines,
            "deal": deal,
            "cancel_url": _safe_next(request, reverse("sales:deal_board")),
        },
        status=status,
    )


def _line_formset(request: HttpRequest, initial: list[dict[str, Any]] | None = None) -> Any:
    choices, _products = product_choices()
    data = request.POST if request.method == "POST" else None
    return DealLineFormSet(data, initial=initial, prefix="lines", form_kwargs={"products": choices})


def _lines_from(formset: Any) -> list[dict[str, Any]]:
    _choices, products = product_choices()
    return [line for form in formset.forms if (line := form.line(products)) is not None]


@role_required("sales")
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial: dict[str, Any] = {"owner": str(user.public_id), "currency": "USD"}
    default = selectors.pipeline_list(user=user).filter(is_default=True).first()
    if default is not None:
        initial["currency"] = default.currency
        first = next((stage for stage in default.stages.all() if stage.kind == StageKind.OPEN), None)
        if first is not None:
            initial["stage"] = str(first.public_id)
    contact_id = parse_public_id(request.GET.get("contact"))
    if contact_id is not None:
        contact = (
            Contact.objects.for_user(user).select_related("company").filter(public_id=contact_id).first()
        )
        if contact is not None:
            initial["contact"] = contact.email or str(contact.public_id)
            initial["name"] = f"{contact.company.name if contact.company else contact.display_name} deal"
            if contact.company:
                initial["company"] = contact.company.domain or contact.company.name
    form = DealForm(request.POST or None, user=user, initial=initial)
    lines = _line_formset(request)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "stage"}
        stage = form.cleaned_data["stage"]
        try:
            deal = services.deal_create(
                actor=user,
                data={**data, "pipeline": stage.pipeline, "stage": stage, "lines": _lines_from(lines)},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Deal “{deal.name}” created.")
            return redirect("sales:deal_detail", public_id=deal.public_id)
    return _form_page(request, form, lines, deal=None, status=400 if request.method == "POST" else 200)


@role_required("sales")
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    user = _user(request)
    deal = _editable_deal(request, public_id)
    initial = {
        "name": deal.name,
        "contact": (deal.contact.email or str(deal.contact.public_id)) if deal.contact else "",
        "other_contacts": ", ".join(
            contact.email or str(contact.public_id) for contact in deal.other_contacts.order_by("email")
        ),
        "company": (deal.company.domain or deal.company.name) if deal.company else "",
        "owner": str(deal.owner.public_id) if deal.owner else "",
        "amount": f"{deal.amount}" if deal.amount is not None else "",
        "currency": deal.currency,
        "expected_close_date": deal.expected_close_date,
    }
    line_initial = [
        {
            "product": str(line.product.public_id) if line.product else "",
            "name": line.name,
            "quantity": f"{line.quantity.normalize():f}",
            "unit_price": f"{line.unit_price}",
            "discount_percent": f"{line.discount_percent.normalize():f}",
        }
        for line in selectors.deal_lines(deal)
    ]
    form = DealForm(request.POST or None, user=user, deal=deal, initial=initial)
    lines = _line_formset(request, initial=line_initial)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        new_lines = _lines_from(lines)
        if lines.has_changed():
            changed["lines"] = new_lines
            if new_lines:
                changed.pop("amount", None)
        try:
            services.deal_update(deal=deal, actor=user, data=changed)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Deal saved.")
            return redirect("sales:deal_detail", public_id=deal.public_id)
    return _form_page(request, form, lines, deal=deal, status=400 if request.method == "POST" else 200)


@role_required("sales")
@require_POST
def deal_delete(request: HttpRequest, public_id: Any) -> HttpResponse:
    deal = _editable_deal(request, public_id)
    pipeline_id = deal.pipeline.public_id
    services.deal_delete(deal=deal, actor=_user(request))
    messages.success(request, f"Deal “{deal.name}” deleted.")
    return redirect("sales:deal_board_pipeline", pipeline_id=pipeline_id)


@role_required("sales")
@require_POST
def deal_note_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    deal = _editable_deal(request, public_id)
    form = DealNoteForm(request.POST)
    if form.is_valid():
        try:
            services.deal_note_add(deal=deal, author=_user(request), body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Note added.")
            return redirect(reverse("sales:deal_detail", args=[deal.public_id]) + "#timeline")
    return _detail_page(request, deal, note_form=form, status=400)


# --- Moving ---------------------------------------------------------------------------------------


def _neighbour(user: User, value: Any) -> Deal | None:
    public_id = parse_public_id(value)
    if public_id is None:
        return None
    return Deal.objects.for_user(user).filter(public_id=public_id).only("id", "stage_id", "position").first()


def _column_summaries(user: User, deal: Deal, params: Any) -> dict[str, Any]:
    stages = list(deal.pipeline.stages.order_by("position", "id"))
    filters = selectors.deal_filters(params)
    totals = selectors.board_totals(user=user, pipeline=deal.pipeline, stages=stages, filters=filters)
    summaries = {}
    for stage in stages:
        count, rotting, column_totals = totals.get(stage.pk, (0, 0, []))
        summaries[str(stage.public_id)] = {
            "count": count,
            "rotting": rotting,
            "total": " + ".join(total.total_display for total in column_totals) or "—",
            "weighted": " + ".join(total.weighted_display for total in column_totals) or "—",
        }
    return summaries


def _move_error(request: HttpRequest, deal: Deal, error: ValidationError) -> HttpResponse:
    message = " ".join(error.messages)
    fields = error.message_dict if hasattr(error, "error_dict") else {}
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message, "fields": fields}, status=400)
    if "lost_reason" in fields:
        messages.error(request, "Choose why the deal was lost, then mark it lost here.")
        return redirect(reverse("sales:deal_detail", args=[deal.public_id]) + "#lost")
    messages.error(request, message)
    return redirect(_safe_next(request, reverse("sales:deal_detail", args=[deal.public_id])))


@role_required("sales")
@require_POST
def deal_move(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Move to another stage (or reorder within one): the board's drag and drop and "Move to…" menu,
    and the won / lost buttons of the deal page. JSON for scripts, a redirect otherwise."""
    user = _user(request)
    deal = _editable_deal(request, public_id)
    stage_id = parse_public_id(request.POST.get("stage"))
    stage = Stage.objects.select_related("pipeline").filter(public_id=stage_id).first() if stage_id else None
    if stage is None:
        return _move_error(request, deal, ValidationError({"stage": "Choose a stage to move the deal to."}))
    position = services.deal_position_between(
        stage=stage,
        previous=_neighbour(user, request.POST.get("previous")),
        following=_neighbour(user, request.POST.get("following")),
    )
    try:
        services.deal_move(
            deal=deal,
            stage=stage,
            actor=user,
            position=position,
            lost_reason=request.POST.get("lost_reason") or None,
            lost_comment=request.POST.get("lost_comment", ""),
        )
    except ValidationError as error:
        return _move_error(request, deal, error)
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "deal": str(deal.public_id),
                "stage": str(stage.public_id),
                "status": deal.status,
                "message": f"Moved “{deal.name}” to {stage.name}.",
                "columns": _column_summaries(user, deal, request.POST),
            }
        )
    if deal.status == DealStatus.WON and stage.kind == StageKind.WON:
        messages.success(request, f"Won “{deal.name}”. The order is recorded.")
    else:
        messages.success(request, f"Moved “{deal.name}” to {stage.name}.")
    return redirect(_safe_next(request, reverse("sales:deal_detail", args=[deal.public_id])))


# --- Helpers for the form and the contact page ----------------------------------------------------


@login_required
@require_GET
def deal_lookup(request: HttpRequest) -> HttpResponse:
    """Options for the contact and company inputs of the deal form (a <datalist> body)."""
    user = _user(request)
    query = (request.GET.get("q") or request.GET.get("contact") or request.GET.get("company") or "").strip()[
        :100
    ]
    kind = "company" if request.GET.get("kind") == "company" or "company" in request.GET else "contact"
    options: list[tuple[str, str]] = []
    if len(query) >= 2:
        if kind == "company":
            companies = Company.objects.for_user(user).filter(
                Q(name__icontains=query) | Q(domain__icontains=query)
            )
            options = [
                (company.domain or company.name, company.name) for company in companies[:MAX_LOOKUP_RESULTS]
            ]
        else:
            contacts = Contact.objects.for_user(user).filter(
                Q(email__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
            )
            options = [
                (contact.email or str(contact.public_id), contact.display_name)
                for contact in contacts.order_by("-last_activity_at", "id")[:MAX_LOOKUP_RESULTS]
            ]
    return render(request, "sales/deals/_lookup_options.html", {"options": options})


@login_required
@require_GET
def contact_deals(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The deals panel of the contact page (an htmx fragment)."""
    user = _user(request)
    contact = get_for_user(Contact.objects, user, public_id)
    return render(
        request,
        "sales/deals/_contact_deals.html",
        {
            "contact": contact,
            "deals": selectors.contact_deals(user=user, contact=contact),
            "can_create": not user.is_marketing,
        },
    )
