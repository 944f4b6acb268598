"""Screens of revenue attribution and customer lifetime value, and the contact page's value fragment.

Everyone signed in (admin, marketing, sales) reads the reports: their numbers name no one. The
customers listed by name, and a contact's own value, follow contact visibility.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from leadline.analytics.attribution import (
    CONVERSIONS,
    DIMENSIONS,
    MODEL_LABELS,
    MODELS,
    AttributionTable,
    attribution_table,
)
from leadline.analytics.value_forms import AttributionFilterForm, SegmentValueForm
from leadline.analytics.value_selectors import COMPARED_SEGMENTS, clv_summary, segment_value_rows
from leadline.analytics.value_selectors import contact_value as contact_value_of
from leadline.contacts.csvio import CsvLineWriter
from leadline.contacts.selectors import contact_get

CHART_ROWS = 10
BYTE_ORDER_MARK = "\ufeff"


def _table_for(request: HttpRequest) -> tuple[AttributionFilterForm, AttributionTable | None]:
    form = AttributionFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, attribution_table(**form.parameters())


def _chart(table: AttributionTable) -> dict[str, Any]:
    """Bars per channel (the top rows), one series per model: revenue in the first currency when
    the conversions carry revenue, otherwise conversions."""
    rows = table.rows[:CHART_ROWS]
    currency = table.currencies[0] if table.currencies else ""
    return {
        "labels": [row.key for row in rows],
        "unit": currency or "conversions",
        "series": [
            {
                "label": MODEL_LABELS[model],
                "data": [
                    float(row.revenue[currency][model]) if currency else round(row.conversions[model], 4)
                    for row in rows
                ],
            }
            for model in MODELS
        ],
    }


def _display(table: AttributionTable) -> dict[str, Any]:
    """The table in the order the template shows it (models as columns, one block per currency)."""
    return {
        "rows": [
            {
                "row": row,
                "conversions": [row.conversions[model] for model in MODELS],
            }
            for row in table.rows
        ],
        "currencies": [
            {
                "currency": currency,
                "total": table.revenue[currency],
                "rows": [
                    {"row": row, "amounts": [row.revenue[currency][model] for model in MODELS]}
                    for row in table.rows
                ],
            }
            for currency in table.currencies
        ],
    }


@login_required
@require_GET
def attribution(request: HttpRequest) -> HttpResponse:
    form, table = _table_for(request)
    query = request.GET.urlencode()
    return render(
        request,
        "analytics/value/attribution.html",
        {
            "form": form,
            "table": table,
            "chart": _chart(table) if table and table.rows else None,
            "display": _display(table) if table else None,
            "models": [(model, MODEL_LABELS[model]) for model in MODELS],
            "conversion_label": CONVERSIONS.get(table.conversion, "") if table else "",
            "dimension_label": DIMENSIONS.get(table.by, "") if table else "",
            "query": query,
        },
        status=200 if table is not None else 400,
    )


@login_required
@require_GET
def attribution_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form, table = _table_for(request)
    if table is None:
        return render(
            request,
            "analytics/value/attribution.html",
            {"form": form, "table": None, "models": [], "query": request.GET.urlencode()},
            status=400,
        )

    def lines() -> Iterator[str]:
        writer = CsvLineWriter()
        header: list[object] = [
            "Channel" if table.by == "channel" else "Campaign",
            "Touchpoints",
            "Removal effect",
        ]
        header += [f"{MODEL_LABELS[model]} conversions" for model in MODELS]
        for currency in table.currencies:
            header += [f"{MODEL_LABELS[model]} revenue ({currency})" for model in MODELS]
        yield BYTE_ORDER_MARK + writer.line(header)
        for row in table.rows:
            cells: list[object] = [row.key, row.touchpoints, f"{row.removal_effect:.4f}"]
            cells += [f"{row.conversions[model]:.4f}" for model in MODELS]
            for currency in table.currencies:
                cells += [str(row.revenue[currency][model]) for model in MODELS]
            yield writer.line(cells)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"attribution-{table.conversion}-{table.start:%Y%m%d}-{table.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _holdout_chart(holdout: dict[str, Any]) -> dict[str, Any] | None:
    if not holdout or not holdout.get("points"):
        return None
    return {
        "labels": holdout["points"],
        "predicted": holdout["predicted"],
        "actual": holdout["actual"],
        "frequency_labels": [bucket["frequency"] for bucket in holdout.get("by_frequency", [])],
        "frequency_predicted": [bucket["predicted"] for bucket in holdout.get("by_frequency", [])],
        "frequency_actual": [bucket["actual"] for bucket in holdout.get("by_frequency", [])],
    }


@login_required
@require_GET
def lifetime_value(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    segment_form = SegmentValueForm(request.GET or None, user=user)
    segment = segment_form.chosen()
    summary = clv_summary(user=user, segment=segment)
    fit = summary.fit
    return render(
        request,
        "analytics/value/lifetime_value.html",
        {
            "summary": summary,
            "segment_form": segment_form,
            "segment": segment,
            "by_segment": segment_value_rows(user=user),
            "compared_segments": COMPARED_SEGMENTS,
            "restricted": not (user.is_admin or user.is_marketing),
            "fit": fit,
            "holdout_chart": _holdout_chart(fit.holdout) if fit else None,
            "holdout_rows": list(
                zip(
                    fit.holdout.get("points", []),
                    fit.holdout.get("predicted", []),
                    fit.holdout.get("actual", []),
                    strict=False,
                )
            )
            if fit and fit.holdout
            else [],
        },
        status=400 if segment_form.errors else 200,
    )


@login_required
@require_GET
def contact_value(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A contact's value to date and predicted: a fragment of the contact page."""
    contact = contact_get(user=request.user, public_id=public_id)
    return render(
        request,
        "analytics/value/_contact_value.html",
        {"contact": contact, "value": contact_value_of(contact)},
    )
