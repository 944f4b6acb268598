"""Working-hours arithmetic for the acceptance SLA: pure functions, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class WorkingHours:
    """Working days (0 = Monday) from `day_start` to `day_end` o'clock, in `time_zone`."""

    time_zone: str = "UTC"
    day_start: int = 9
    day_end: int = 17
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})

    @classmethod
    def of(cls, *, time_zone: str, day_start: int, day_end: int, weekdays: Iterable[int]) -> WorkingHours:
        return cls(time_zone=time_zone, day_start=day_start, day_end=day_end, weekdays=frozenset(weekdays))

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    @property
    def is_usable(self) -> bool:
        return 0 <= self.day_start < self.day_end <= 24 and bool(self.weekdays & set(range(7)))


def add_working_hours(start: datetime, hours: float, working: WorkingHours) -> datetime:
    """The moment `hours` working hours after `start` (aware), returned in UTC.

    Time outside working hours does not count: a lead arriving at 16:30 on a Friday with 4 hours
    and 9–17 Monday to Friday is due at 12:30 on Monday. Wall-clock arithmetic in the local zone
    keeps a working day 8 hours long across daylight-saving changes.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if not working.is_usable:
        return (start + timedelta(hours=hours)).astimezone(UTC)
    zone = working.zone
    local = start.astimezone(zone).replace(tzinfo=None)
    remaining = timedelta(hours=hours)
    for _ in range(3700):  # ten years of days: bounds the loop whatever the settings
        midnight = datetime.combine(local.date(), time(0))
        opens = midnight + timedelta(hours=working.day_start)
        closes = midnight + timedelta(hours=working.day_end)
        if local.weekday() in working.weekdays and local < closes:
            local = max(local, opens)
            available = closes - local
            if remaining <= available:
                return (local + remaining).replace(tzinfo=zone).astimezone(UTC)
            remaining -= available
        local = midnight + timedelta(days=1, hours=working.day_start)
    raise ValueError("working hours never reach the deadline")
