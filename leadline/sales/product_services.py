"""Writes of the product catalogue (admins only; the views and the API check the role).

Products are never deleted once sold: deactivating one hides it from new deals, orders and
suggestions while old orders keep pointing at it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from leadline.core.services import audit_record
from leadline.sales.models import DEFAULT_CURRENCY, Billing, Product
from leadline.sales.order_services import clean_currency, clean_money

SKU_MAX_LENGTH = 64
NAME_MAX_LENGTH = 200
CATEGORY_MAX_LENGTH = 80
DESCRIPTION_MAX_LENGTH = 5000
PRODUCT_FIELDS = ("sku", "name", "description", "category", "price", "currency", "billing", "is_active")
_SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


def _text(data: Mapping[str, Any], field: str, limit: int, *, required: bool = False, label: str = "") -> str:
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: "Must be text."})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: f"Give the product {label or field}."})
    if len(value) > limit:
        raise ValidationError({field: f"At most {limit:,} characters."})
    return value


def product_clean(data: Mapping[str, Any], *, instance: Product | None = None) -> dict[str, Any]:
    """The given fields, cleaned; every problem is reported at once, by field."""
    unknown = set(data) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    creating = instance is None
    checks: dict[str, Any] = {
        "sku": lambda: _clean_sku(data.get("sku"), instance=instance),
        "name": lambda: _text(data, "name", NAME_MAX_LENGTH, required=True, label="a name"),
        "description": lambda: _text(data, "description", DESCRIPTION_MAX_LENGTH),
        "category": lambda: _text(data, "category", CATEGORY_MAX_LENGTH),
        "price": lambda: clean_money(data.get("price"), field="price", label="The price"),
        "currency": lambda: clean_currency(data.get("currency")),
        "billing": lambda: _clean_billing(data.get("billing")),
        "is_active": lambda: _clean_flag(data.get("is_active")),
    }
    for field, check in checks.items():
        if field not in data and not (creating and field in ("sku", "name", "price")):
            continue
        try:
            cleaned[field] = check()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_sku(value: Any, *, instance: Product | None) -> str:
    sku = value.strip() if isinstance(value, str) else ""
    if not sku:
        raise ValidationError({"sku": "Give the product a SKU (its stock-keeping code, e.g. GROWTH-YEAR)."})
    if len(sku) > SKU_MAX_LENGTH:
        raise ValidationError({"sku": f"At most {SKU_MAX_LENGTH} characters."})
    if not _SKU_PATTERN.match(sku):
        raise ValidationError({"sku": "Use letters, digits, dots, dashes, slashes and underscores only."})
    clash = Product.objects.filter(sku__iexact=sku)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError({"sku": "Another product already has this SKU."})
    return sku


def _clean_billing(value: Any) -> str:
    if value not in Billing.values:
        raise ValidationError({"billing": "Choose one-off, monthly or yearly."})
    return str(value)


def _clean_flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError({"is_active": "Must be true or false."})
    return value


def product_create(*, actor: Any, data: Mapping[str, Any]) -> Product:
    cleaned = product_clean({"billing": Billing.ONE_OFF, "currency": DEFAULT_CURRENCY, **data})
    try:
        with transaction.atomic():
            product = Product.objects.create(**cleaned)
            audit_record(actor=actor, action="product.created", target=product, summary=product.name)
    except IntegrityError:
        raise ValidationError({"sku": "Another product already has this SKU."}) from None
    return product


def product_update(*, product: Product, actor: Any, data: Mapping[str, Any]) -> Product:
    cleaned = product_clean(data, instance=product)
    changed = [field for field, value in cleaned.items() if getattr(product, field) != value]
    if not changed:
        return product
    for field in changed:
        setattr(product, field, cleaned[field])
    try:
        with transaction.atomic():
            product.save(update_fields=[*changed, "updated_at"])
            audit_record(
                actor=actor, action="product.changed", target=product, summary=product.name, fields=changed
            )
    except IntegrityError:
        raise ValidationError({"sku": "Another product already has this SKU."}) from None
    return product


def product_set_active(*, product: Product, actor: Any, active: bool) -> Product:
    return product_update(product=product, actor=actor, data={"is_active": active})
