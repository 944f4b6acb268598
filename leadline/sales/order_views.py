"""Screens of orders: the list (with filters and CSV export), one order with its lines and refunds,
an order by hand, a refund, and the fragments the contact and deal pages load (orders, lifetime
revenue and cross-sell suggestions). Thin: access helper → one service or selector → response."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leadline.contacts.csvio import CsvLineWriter
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user
from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.sales import order_selectors as selectors
from leadline.sales import order_services as services
from leadline.sales.models import Deal, Order, OrderSource
from leadline.sales.order_forms import OrderForm, RefundForm, contact_reference, line_formset
from leadline.sales.product_selectors import product_choices
from leadline.sales.suggestions import suggestions_for_contact, suggestions_for_deal

EXPORT_HEADERS = [
    "Number",
    "External id",
    "Ordered at",
    "Contact email",
    "Contact name",
    "Source",
    "Currency",
    "Total",
    "Refunded",
    "Net",
    "Products",
]
BYTE_ORDER_MARK = "\ufeff"
NOT_YOURS = "Marketing reads orders but does not change them."


def _can_change(user: Any, order: Order) -> bool:
    return Order.objects.for_user(user, for_edit=True).filter(pk=order.pk).exists()


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.order_filters_from(request.GET)
    page = paginate(selectors.order_search(user=request.user, filters=filters), request.GET)
    query = request.GET.copy()
    query.pop("page", None)
    contact = None
    if filters.contact:
        contact = Contact.objects.for_user(request.user).filter(public_id=filters.contact).first()
    return render(
        request,
        "sales/orders/order_list.html",
        {
            "page": page,
            "filters": filters,
            "sources": OrderSource.choices,
            "products": list(product_choices(user=request.user)),
            "filter_contact": contact,
            "query_string": query.urlencode(),
            "can_add": not request.user.is_marketing,  # type: ignore[union-attr]
        },
    )


def _export_lines(orders: Any) -> Iterator[str]:
    writer = CsvLineWriter()
    yield BYTE_ORDER_MARK + writer.line(list(EXPORT_HEADERS))
    for order in orders.iterator(chunk_size=1000):
        contact = order.contact
        yield writer.line(
            [
                order.number,
                order.external_id or "",
                order.ordered_at.isoformat(timespec="seconds"),
                contact.email or "",
                contact.display_name,
                order.get_source_display(),
                order.currency,
                order.total,
                order.refunded_total,
                order.net_total,
                "; ".join(line.name for line in order.lines.all()),
            ]
        )


def _encoded(lines: Iterator[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= 200:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


@login_required
@require_GET
def order_export(request: HttpRequest) -> StreamingHttpResponse:
    """The list's orders (same filters) as CSV; cells that look like formulas are neutralised."""
    filters = selectors.order_filters_from(request.GET)
    orders = selectors.order_search(user=request.user, filters=filters)
    response = StreamingHttpResponse(_encoded(_export_lines(orders)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="orders-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@role_required("sales")
@require_http_methods(["GET", "POST"])
def order_create(request: HttpRequest) -> HttpResponse:
    products = list(product_choices(user=request.user))
    fixed_contact = None
    initial: dict[str, Any] = {}
    if request.GET.get("contact"):
        fixed_contact = get_for_user(Contact.objects, request.user, request.GET["contact"], for_edit=True)
        initial["contact"] = fixed_contact.email or str(fixed_contact.public_id)
    form = OrderForm(request.POST or None, initial=initial)
    lines = line_formset(request.POST or None, products=products)
    # Both validated, so that a mistake in the lines shows together with one in the header.
    if request.method == "POST" and all([form.is_valid(), lines.is_valid()]):
        contact = _find_contact(request.user, form.cleaned_data["contact"])
        try:
            order = services.order_place(
                actor=request.user,
                contact=contact,
                lines=[line.line() for line in lines if not line.is_blank()],
                currency=form.cleaned_data["currency"],
                ordered_at=form.cleaned_data["ordered_at"],
                total=form.cleaned_data["total"],
                external_id=form.cleaned_data["external_id"],
            )
        except ValidationError as error:
            problems = error.message_dict
            if contact is None:
                problems["contact"] = ["No contact you can add orders for has this email."]
            add_service_errors(form, ValidationError(problems))
        else:
            messages.success(request, f"Order {order.number} recorded for {order.contact.display_name}.")
            return redirect("sales:order_detail", public_id=order.public_id)
    return render(
        request,
        "sales/orders/order_form.html",
        {"form": form, "lines": lines, "products": products, "fixed_contact": fixed_contact},
        status=400 if request.method == "POST" else 200,
    )


def _find_contact(user: Any, value: str) -> Contact | None:
    """A contact the user may add orders for, by email or public id (None: order_clean says so)."""
    kind, reference = contact_reference(value)
    contacts = Contact.objects.for_user(user, for_edit=True)
    if kind == "id":
        return contacts.filter(public_id=reference).first()
    return contacts.filter(email=reference).first()


@login_required
@require_GET
def order_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    order = selectors.order_get(user=request.user, public_id=public_id)
    return render(
        request,
        "sales/orders/order_detail.html",
        {
            "order": order,
            "can_refund": _can_change(request.user, order) and order.net_total > 0,
            "refund_form": RefundForm(initial={"amount": order.net_total}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_refund(request: HttpRequest, public_id: UUID) -> HttpResponse:
    order = selectors.order_get(user=request.user, public_id=public_id)
    if not _can_change(request.user, order):
        raise PermissionDenied(NOT_YOURS)
    form = RefundForm(request.POST or None, initial={"amount": order.net_total})
    if request.method == "POST" and form.is_valid():
        try:
            refund = services.order_refund(
                order=order,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Refunded {order.currency} {refund.amount:,.2f} on {order.number}.")
            return redirect("sales:order_detail", public_id=order.public_id)
    return render(
        request,
        "sales/orders/refund_form.html",
        {"order": order, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def contact_orders(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A contact's orders, lifetime revenue and what to offer them next: a fragment of the contact page."""
    summary = selectors.contact_orders(user=request.user, public_id=public_id)
    contact = summary.contact
    can_add = (
        not request.user.is_marketing  # type: ignore[union-attr]
        and Contact.objects.for_user(request.user, for_edit=True).filter(pk=contact.pk).exists()
    )
    return render(
        request,
        "sales/orders/_contact_orders.html",
        {
            "summary": summary,
            "contact": contact,
            "suggestions": suggestions_for_contact(contact),
            "can_add": can_add,
        },
    )


@login_required
@require_GET
def deal_suggestions(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Products to add to a deal, from what is on it: a fragment of the deal page."""
    deal = get_for_user(Deal.objects.select_related("contact"), request.user, public_id)
    return render(
        request,
        "sales/orders/_deal_suggestions.html",
        {"deal": deal, "suggestions": suggestions_for_deal(deal)},
    )
