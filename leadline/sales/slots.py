"""Free booking slots, computed without the database or the clock: a person's weekly hours in their
own time zone become UTC intervals (across daylight-saving changes, through zoneinfo), and a start
time is free when it lies in those hours, respects the minimum notice and the horizon, and its
buffered block does not overlap the buffered block of a meeting already booked.

Callers pass what is stored (weekly hours, buffers, meetings) and `now`; everything here is UTC.

Local times that do not exist (the hour skipped when clocks go forward) are read as Python's
zoneinfo reads them with fold=0, i.e. with the offset from before the change: hours of 01:00–04:00
on that night are two real hours. Local times that happen twice (clocks going back) mean their first
occurrence, so 01:00–04:00 on that night is four real hours.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MAX_RANGES_PER_DAY = 8
MAX_DURATION_MINUTES = 8 * 60
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_ZONES: frozenset[str] | None = None


class SlotProblem:
    """Why a start time cannot be booked: a code for programs, a sentence for people."""

    PAST = "past"
    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"
    OUTSIDE_HOURS = "outside_hours"
    TAKEN = "taken"

    MESSAGES = {
        PAST: "This time has already passed. Please choose another.",
        TOO_SOON: "This time is too soon to book. Please choose a later one.",
        TOO_FAR: "This time is too far ahead to book yet. Please choose an earlier one.",
        OUTSIDE_HOURS: "This time is not one of the offered times. Please choose one from the list.",
        TAKEN: "Someone has just booked this time. Please choose another.",
    }


@dataclass(frozen=True, order=True)
class Interval:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class HostRules:
    """When one person can be booked, in plain values."""

    zone: ZoneInfo
    weekly_hours: Mapping[int, Sequence[tuple[int, int]]]  # weekday → (start, end) minutes from midnight
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    minimum_notice: timedelta = timedelta(0)
    horizon: timedelta = timedelta(days=30)


# --- Cleaning stored settings ---------------------------------------------------------------------


def time_zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(name for name in available_timezones() if "/" in name or name == "UTC")
    return _ZONES


def clean_time_zone(name: Any) -> ZoneInfo:
    """The zone of an IANA name such as "Europe/Berlin"; ValueError for anything else."""
    if not isinstance(name, str) or name not in time_zone_names():
        raise ValueError("Choose a time zone from the list, e.g. Europe/Berlin.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("Choose a time zone from the list, e.g. Europe/Berlin.") from None


def parse_clock(text: Any, *, allow_midnight_end: bool = False) -> int:
    """Minutes after midnight of "HH:MM" (and "24:00" as an end of day when allowed)."""
    match = _CLOCK.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"Write times as HH:MM, e.g. 09:30 (not {str(text)[:20]!r}).")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if allow_midnight_end and (hours, minutes) == (24, 0):
        return 24 * 60
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text} is not a time of day.")
    return hours * 60 + minutes


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clean_weekly_hours(raw: Any) -> dict[int, list[tuple[int, int]]]:
    """Weekly hours from their stored or posted shape, `{"0": [["09:00", "17:00"]], …}` (0 is
    Monday), as sorted minute ranges per weekday. ValueError naming the day for anything wrong."""
    if not isinstance(raw, Mapping):
        raise ValueError("Weekly hours must map weekdays (0 = Monday … 6 = Sunday) to lists of ranges.")
    hours: dict[int, list[tuple[int, int]]] = {}
    for key, ranges in raw.items():
        try:
            weekday = int(key)
        except (TypeError, ValueError):
            raise ValueError(
                f"{str(key)[:20]!r} is not a weekday number (0 = Monday … 6 = Sunday)."
            ) from None
        if not 0 <= weekday <= 6 or str(key).strip() != str(weekday):
            raise ValueError(f"{str(key)[:20]!r} is not a weekday number (0 = Monday … 6 = Sunday).")
        day = WEEKDAYS[weekday]
        if not isinstance(ranges, list | tuple):
            raise ValueError(f"{day}: give a list of [start, end] ranges.")
        if len(ranges) > MAX_RANGES_PER_DAY:
            raise ValueError(f"{day}: at most {MAX_RANGES_PER_DAY} ranges a day.")
        cleaned = []
        for item in ranges:
            if not isinstance(item, list | tuple) or len(item) != 2:
                raise ValueError(f"{day}: each range is a [start, end] pair.")
            try:
                start = parse_clock(item[0])
                end = parse_clock(item[1], allow_midnight_end=True)
            except ValueError as error:
                raise ValueError(f"{day}: {error}") from None
            if end <= start:
                raise ValueError(f"{day}: {format_clock(start)}–{format_clock(end)} ends before it starts.")
            cleaned.append((start, end))
        cleaned.sort()
        for (_, previous_end), (next_start, _) in pairwise(cleaned):
            if next_start < previous_end:
                raise ValueError(f"{day}: the ranges overlap.")
        if cleaned:
            hours[weekday] = cleaned
    return hours


def weekly_hours_for_storage(hours: Mapping[int, Sequence[tuple[int, int]]]) -> dict[str, list[list[str]]]:
    return {
        str(weekday): [[format_clock(start), format_clock(end)] for start, end in ranges]
        for weekday, ranges in sorted(hours.items())
        if ranges
    }


# --- Weekly hours → UTC intervals -----------------------------------------------------------------


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    moment = datetime.combine(day + timedelta(days=minutes // (24 * 60)), time(0), tzinfo=zone)
    moment = moment.replace(hour=(minutes // 60) % 24, minute=minutes % 60)
    return moment.astimezone(UTC)


def available_intervals(rules: HostRules, start: datetime, end: datetime) -> list[Interval]:
    """The person's weekly hours as UTC intervals, for every local day touching [start, end).
    Whole ranges, not clipped, so that slots stay aligned to the start of each range."""
    first_day = start.astimezone(rules.zone).date() - timedelta(days=1)
    last_day = end.astimezone(rules.zone).date() + timedelta(days=1)
    intervals = []
    day = first_day
    while day <= last_day:
        for range_start, range_end in rules.weekly_hours.get(day.weekday(), ()):
            interval = Interval(_local(day, range_start, rules.zone), _local(day, range_end, rules.zone))
            if interval.start < interval.end and interval.end > start and interval.start < end:
                intervals.append(interval)
        day += timedelta(days=1)
    return sorted(intervals)


def slot_step(duration: timedelta) -> timedelta:
    """How far apart offered start times are: every 30 minutes, or the meeting's own length for
    short meetings that divide half an hour (10, 15), else every 15 minutes."""
    minutes = max(1, min(int(duration.total_seconds() // 60), 30))
    return timedelta(minutes=minutes if 30 % minutes == 0 else 15)


def candidate_starts(
    intervals: Iterable[Interval], duration: timedelta, step: timedelta
) -> Iterator[datetime]:
    for interval in intervals:
        moment = interval.start
        while moment + duration <= interval.end:
            yield moment
            moment += step


# --- Meetings already booked ----------------------------------------------------------------------


@dataclass(frozen=True)
class Busy:
    """The blocked time of a person's meetings, buffers included, merged and sorted for lookups."""

    blocks: tuple[Interval, ...]
    starts: tuple[datetime, ...]

    @classmethod
    def of(cls, meetings: Iterable[Interval], rules: HostRules) -> Busy:
        blocks = sorted(
            Interval(meeting.start - rules.buffer_before, meeting.end + rules.buffer_after)
            for meeting in meetings
        )
        merged: list[Interval] = []
        for block in blocks:
            if merged and block.start <= merged[-1].end:
                merged[-1] = Interval(merged[-1].start, max(merged[-1].end, block.end))
            else:
                merged.append(block)
        return cls(tuple(merged), tuple(block.start for block in merged))

    def conflicts(self, block: Interval) -> bool:
        """Whether `block` (a candidate with its buffers) overlaps any blocked time."""
        index = bisect_left(self.starts, block.end)
        return index > 0 and self.blocks[index - 1].end > block.start


def _block(start: datetime, duration: timedelta, rules: HostRules) -> Interval:
    # Each meeting holds its own buffers: two meetings' buffered blocks may not overlap.
    return Interval(start - rules.buffer_before, start + duration + rules.buffer_after)


# --- Free slots -----------------------------------------------------------------------------------


def free_slots(
    *,
    rules: HostRules,
    duration: timedelta,
    meetings: Iterable[Interval],
    now: datetime,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
) -> list[datetime]:
    """Start times (UTC) the person can be booked at for `duration`, within [window_start,
    window_end) when given, never before now + minimum notice nor after now + horizon."""
    earliest = now + rules.minimum_notice
    latest = now + rules.horizon
    low = max(earliest, window_start) if window_start else earliest
    high = min(latest + duration, window_end) if window_end else latest + duration
    if low >= high:
        return []
    busy = Busy.of(meetings, rules)
    step = slot_step(duration)
    starts = []
    for start in candidate_starts(available_intervals(rules, low, high), duration, step):
        if start < low or start >= high or start > latest or start <= now:
            continue
        if not busy.conflicts(_block(start, duration, rules)):
            starts.append(start)
    return sorted(set(starts))


def slot_problem(
    *, rules: HostRules, duration: timedelta, meetings: Iterable[Interval], now: datetime, start: datetime
) -> str | None:
    """None when `start` can be booked; otherwise the SlotProblem code saying why not."""
    if start <= now:
        return SlotProblem.PAST
    if start < now + rules.minimum_notice:
        return SlotProblem.TOO_SOON
    if start > now + rules.horizon:
        return SlotProblem.TOO_FAR
    around = available_intervals(rules, start - timedelta(days=1), start + timedelta(days=1))
    if start not in set(candidate_starts(around, duration, slot_step(duration))):
        return SlotProblem.OUTSIDE_HOURS
    if Busy.of(meetings, rules).conflicts(_block(start, duration, rules)):
        return SlotProblem.TAKEN
    return None


def parse_start(value: Any) -> datetime | None:
    """A posted start time (ISO 8601 with an offset or Z) as an aware UTC datetime, else None."""
    if not isinstance(value, str) or not 16 <= len(value.strip()) <= 40:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment.astimezone(UTC)


def format_start(moment: datetime) -> str:
    """The form value of a start time: ISO 8601 in UTC with a Z, to the minute."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
