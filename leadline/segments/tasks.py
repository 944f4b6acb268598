"""Periodic segment upkeep: the incremental pass every minute, and an hourly full rebuild of the
trees that depend on the clock ("within the last N days": the incremental pass never expires
members), on other segments, or on deals and orders (a deleted deal or order leaves no activity)."""

from __future__ import annotations

import logging
from datetime import timedelta

from leadline.core.scheduler import periodic
from leadline.segments.compiler import SegmentError
from leadline.segments.models import Segment
from leadline.segments.services import segment_rebuild
from leadline.segments.updates import segments_update

logger = logging.getLogger(__name__)


@periodic(every=timedelta(minutes=1))
def update_segments() -> None:
    report = segments_update()
    for problem in report.broken:
        logger.warning("Segment not updated: %s", problem)


@periodic(every=timedelta(hours=1))
def rebuild_clock_segments() -> None:
    for segment in Segment.objects.filter(kind=Segment.Kind.DYNAMIC).order_by("id"):
        dependencies = segment.dependencies or {}
        periodic = (
            dependencies.get("time_relative") or dependencies.get("segments") or dependencies.get("sales")
        )
        if segment.last_built_at and not periodic:
            continue
        try:
            segment_rebuild(segment=segment)
        except SegmentError as error:
            logger.warning("Segment %s not rebuilt: %s", segment.name, error)
