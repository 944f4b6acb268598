"""The filters of the attribution and lifetime-value reports, as forms read from the query string."""

from __future__ import annotations

from typing import Any

from django import forms

from leadline.analytics.attribution import (
    CONVERSIONS,
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_LOOKBACK_DAYS,
    DIMENSIONS,
    TOUCHPOINTS,
)
from leadline.sales.currencies import ISO_4217
from leadline.segments.models import Segment
from leadline.segments.selectors import segment_list

SEGMENT_CHOICES = 500


class AttributionFilterForm(forms.Form):
    conversion = forms.ChoiceField(choices=list(CONVERSIONS.items()), required=False, label="Conversion")
    by = forms.ChoiceField(choices=list(DIMENSIONS.items()), required=False, label="Credit per")
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    touchpoints = forms.ChoiceField(choices=list(TOUCHPOINTS.items()), required=False, label="Touchpoints")
    lookback_days = forms.IntegerField(
        required=False, min_value=0, max_value=3650, label="Look-back (days)", initial=DEFAULT_LOOKBACK_DAYS
    )
    half_life_days = forms.FloatField(
        required=False,
        min_value=0.1,
        max_value=3650,
        label="Time-decay half-life (days)",
        initial=DEFAULT_HALF_LIFE_DAYS,
    )
    currency = forms.CharField(required=False, max_length=3, label="Currency")

    def clean_currency(self) -> str:
        code = (self.cleaned_data.get("currency") or "").strip().upper()
        if code and code not in ISO_4217:
            raise forms.ValidationError("Use a three-letter ISO 4217 code such as USD.")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date is before the start date.")
        return data

    def parameters(self) -> dict[str, Any]:
        """Keyword arguments of `attribution_table` (defaults for what was left empty)."""
        data = self.cleaned_data
        return {
            "conversion": data.get("conversion") or "order",
            "by": data.get("by") or "channel",
            "start": data.get("start"),
            "end": data.get("end"),
            "touchpoints": data.get("touchpoints") or "all",
            "lookback_days": DEFAULT_LOOKBACK_DAYS
            if data.get("lookback_days") is None
            else data["lookback_days"],
            "half_life_days": data.get("half_life_days") or DEFAULT_HALF_LIFE_DAYS,
            "currency": data.get("currency") or None,
        }


class SegmentValueForm(forms.Form):
    """The segment the lifetime-value page is narrowed to (its public id), chosen from the
    segments the reader may see."""

    segment = forms.ChoiceField(required=False, label="Segment")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.segments = {
            str(segment.public_id): segment for segment in segment_list(user=user)[:SEGMENT_CHOICES]
        }
        field: Any = self.fields["segment"]
        field.choices = [("", "All customers"), *((key, seg.name) for key, seg in self.segments.items())]

    def clean_segment(self) -> Segment | None:
        key = (self.cleaned_data.get("segment") or "").strip()
        if not key:
            return None
        found = self.segments.get(key)
        if found is None:
            raise forms.ValidationError("No such segment.")
        return found

    def chosen(self) -> Segment | None:
        return self.cleaned_data.get("segment") if self.is_valid() else None
