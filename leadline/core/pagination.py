"""Page numbers for list screens, with a hard cap on page size."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet

PAGE_SIZES = (25, 50, 100, 200)


def paginate(queryset: QuerySet[Any], request_params: Any, *, default_size: int = 50) -> Page[Any]:
    try:
        size = int(request_params.get("per_page", default_size))
    except (TypeError, ValueError):
        size = default_size
    size = size if size in PAGE_SIZES else default_size
    paginator = Paginator(queryset, size)
    try:
        return paginator.page(request_params.get("page", 1))
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)
