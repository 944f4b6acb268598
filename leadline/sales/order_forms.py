"""Forms of the order screens: an order by hand (a contact, a date, lines or a total), a refund.

Fields arrive as text; `order_services.order_clean` decides what is valid, so that the screens, the
API and the import accept and refuse the same things.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from leadline.core.access import parse_public_id
from leadline.sales.currencies import currency_choices
from leadline.sales.models import DEFAULT_CURRENCY, Product
from leadline.sales.order_services import (
    EXTERNAL_ID_MAX_LENGTH,
    LINE_NAME_MAX_LENGTH,
    REFUND_REASON_MAX_LENGTH,
)

LINE_ROWS = 8
MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class OrderForm(forms.Form):
    contact = forms.CharField(
        label="Contact",
        max_length=254,
        help_text="The email of the person who bought.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "name@company.com"}),
        error_messages={"required": "Choose the contact who placed the order."},
    )
    ordered_at = forms.DateField(
        label="Order date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the date as YYYY-MM-DD."},
    )
    currency = forms.ChoiceField(choices=currency_choices, initial=DEFAULT_CURRENCY)
    total = forms.CharField(
        label="Total",
        required=False,
        max_length=40,
        help_text="Leave empty to add up the lines; give it for an order without lines.",
        widget=forms.TextInput(attrs=MONEY_ATTRS),
    )
    external_id = forms.CharField(
        label="External id",
        required=False,
        max_length=EXTERNAL_ID_MAX_LENGTH,
        help_text="The order's number in your shop or invoicing system, if any.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ordered_at"].initial = timezone.localdate()


class LineForm(forms.Form):
    product = forms.ChoiceField(required=False)
    name = forms.CharField(required=False, max_length=LINE_NAME_MAX_LENGTH, label="Description")
    quantity = forms.CharField(required=False, max_length=20, widget=forms.TextInput(attrs=MONEY_ATTRS))
    unit_price = forms.CharField(
        required=False, max_length=40, label="Unit price", widget=forms.TextInput(attrs=MONEY_ATTRS)
    )
    discount_percent = forms.CharField(
        required=False, max_length=10, label="Discount %", widget=forms.TextInput(attrs=MONEY_ATTRS)
    )

    def __init__(self, *args: Any, products: list[Product] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = {str(product.public_id): product for product in products or []}
        self.fields["product"].choices = [  # type: ignore[attr-defined]
            ("", "No product"),
            *((key, f"{product.name} ({product.sku})") for key, product in self.products.items()),
        ]
        self.fields["product"].error_messages["invalid_choice"] = "Choose one of the active products."

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(name) for name in ("product", "name", "unit_price"))

    def line(self) -> dict[str, Any]:
        """The line as `order_clean` takes it."""
        data = self.cleaned_data
        return {
            "product": self.products.get(data.get("product") or ""),
            "name": data.get("name", ""),
            "quantity": data.get("quantity") or None,
            "unit_price": data.get("unit_price") or None,
            "discount_percent": data.get("discount_percent") or None,
        }


LineFormSet = forms.formset_factory(
    LineForm, extra=LINE_ROWS, max_num=LINE_ROWS, absolute_max=LINE_ROWS, validate_max=True
)


def line_formset(data: Any = None, *, products: list[Product]) -> Any:
    return LineFormSet(data, prefix="lines", form_kwargs={"products": products})


def contact_reference(value: str) -> tuple[str, Any]:
    """("id", uuid) for a public id, ("email", text) otherwise."""
    public_id = parse_public_id(value.strip())
    return ("id", public_id) if public_id is not None else ("email", value.strip().lower())


class RefundForm(forms.Form):
    amount = forms.CharField(
        max_length=40,
        widget=forms.TextInput(attrs=MONEY_ATTRS),
        help_text="At most what is left on the order.",
    )
    reason = forms.CharField(
        required=False,
        max_length=REFUND_REASON_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Cancelled within the trial period"}),
    )
