"""The product form. Text in, the product services validate (SKU uniqueness, price, currency)."""

from __future__ import annotations

from django import forms

from leadline.sales.currencies import currency_choices
from leadline.sales.models import Billing
from leadline.sales.product_services import (
    CATEGORY_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    SKU_MAX_LENGTH,
)


class ProductForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH, widget=forms.TextInput(attrs={"placeholder": "e.g. Growth plan"})
    )
    sku = forms.CharField(
        label="SKU",
        max_length=SKU_MAX_LENGTH,
        help_text="A unique code for imports and the API, e.g. GROWTH-YEAR.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    price = forms.CharField(
        max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"})
    )
    currency = forms.ChoiceField(choices=currency_choices)
    billing = forms.ChoiceField(choices=Billing.choices, help_text="Recurring products renew every period.")
    category = forms.CharField(
        required=False,
        max_length=CATEGORY_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Services", "list": "product-categories"}),
    )
    description = forms.CharField(
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Active",
        help_text="Inactive products stay on past orders but are not offered on new ones.",
    )
