"""Screens of the product catalogue: everyone reads it, admins add, change and deactivate products."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.core.decorators import admin_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.sales import product_services as services
from leadline.sales.models import DEFAULT_CURRENCY, Billing, Product
from leadline.sales.product_forms import ProductForm
from leadline.sales.product_selectors import product_get, product_search

STATES = {"active": True, "inactive": False}


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    state = request.GET.get("state", "")
    products = product_search(user=request.user, q=q, active=STATES.get(state))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sales/orders/product_list.html",
        {
            "page": paginate(products, request.GET),
            "q": q[:200],
            "state": state if state in STATES else "",
            "is_filtered": bool(q.strip() or state in STATES),
        },
    )


def _categories() -> list[str]:
    return list(
        Product.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


@admin_required
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    form = ProductForm(
        request.POST or None,
        initial={"currency": DEFAULT_CURRENCY, "billing": Billing.ONE_OFF, "is_active": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Added {product.name} to the catalogue.")
            return redirect("sales:product_list")
    return render(
        request,
        "sales/orders/product_form.html",
        {"form": form, "product": None, "categories": _categories()},
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    product = product_get(user=request.user, public_id=public_id, for_edit=True)
    initial = {
        "name": product.name,
        "sku": product.sku or "",
        "price": product.price,
        "currency": product.currency,
        "billing": product.billing,
        "category": product.category,
        "description": product.description,
        "is_active": product.is_active,
    }
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(product=product, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved {product.name}.")
            return redirect("sales:product_list")
    return render(
        request,
        "sales/orders/product_form.html",
        {"form": form, "product": product, "categories": _categories()},
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_POST
def product_toggle(request: HttpRequest, public_id: UUID) -> HttpResponse:
    product = product_get(user=request.user, public_id=public_id, for_edit=True)
    services.product_set_active(product=product, actor=request.user, active=not product.is_active)
    if product.is_active:
        messages.success(request, f"{product.name} is active again and can be sold.")
    else:
        messages.success(
            request, f"{product.name} is deactivated: past orders keep it, new ones cannot use it."
        )
    return redirect("sales:product_list")
