"""The form of the report settings: the brand terms, typed as comma-separated words."""

from __future__ import annotations

from django import forms

from leadline.analytics.brand import BRAND_TERM_LENGTH, MAX_BRAND_TERMS, clean_brand_terms


class ReportSettingsForm(forms.Form):
    brand_terms = forms.CharField(
        required=False,
        max_length=(BRAND_TERM_LENGTH + 2) * MAX_BRAND_TERMS,
        label="Brand terms",
        help_text="Your company's and products' names, separated by commas (e.g. Northwind, Northwind CRM). "
        "A search containing one of them, in any case and with or without accents, is a branded search.",
        widget=forms.TextInput(attrs={"placeholder": "Northwind, Northwind CRM", "autocomplete": "off"}),
    )

    def clean_brand_terms(self) -> list[str]:
        return clean_brand_terms(self.cleaned_data.get("brand_terms") or "")
