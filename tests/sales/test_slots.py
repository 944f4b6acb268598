"""The pure slot arithmetic: weekly hours in the host's zone → UTC, daylight-saving changes,
buffers, minimum notice, horizon and tampered start times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadline.sales.slots import (
    HostRules,
    Interval,
    SlotProblem,
    available_intervals,
    clean_time_zone,
    clean_weekly_hours,
    free_slots,
    parse_start,
    slot_problem,
    slot_step,
    weekly_hours_for_storage,
)

NINE_TO_FIVE = clean_weekly_hours({str(day): [["09:00", "17:00"]] for day in range(5)})
HALF_HOUR = timedelta(minutes=30)


def rules(zone: str = "UTC", hours=None, **kwargs) -> HostRules:
    return HostRules(zone=ZoneInfo(zone), weekly_hours=NINE_TO_FIVE if hours is None else hours, **kwargs)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def day_slots(host: HostRules, day: datetime, duration=HALF_HOUR, meetings=(), now=None) -> list[datetime]:
    return free_slots(
        rules=host,
        duration=duration,
        meetings=meetings,
        now=now or day - timedelta(days=1),
        window_start=day,
        window_end=day + timedelta(days=1),
    )


# --- Weekly hours and time zones ------------------------------------------------------------------


def test_it_offers_every_half_hour_of_the_working_day():
    slots = day_slots(rules(), utc(2026, 11, 24))

    assert slots[0] == utc(2026, 11, 24, 9, 0)
    assert slots[-1] == utc(2026, 11, 24, 16, 30)
    assert len(slots) == 16


def test_it_offers_nothing_on_days_without_hours():
    assert day_slots(rules(), utc(2026, 11, 28)) == []  # a Saturday


def test_it_reads_the_hours_in_the_hosts_time_zone():
    slots = day_slots(rules("America/New_York"), utc(2026, 11, 24))

    # 09:00 in New York in November (EST, UTC−5) is 14:00 UTC; the last start 16:30 EST is 21:30 UTC.
    assert slots[0] == utc(2026, 11, 24, 14, 0)
    assert utc(2026, 11, 24, 21, 30) in day_slots(rules("America/New_York"), utc(2026, 11, 24))


def test_it_keeps_local_hours_across_the_spring_daylight_saving_change():
    host = rules("Europe/Berlin")

    before = day_slots(host, utc(2026, 3, 27))  # Friday, CET (UTC+1)
    after = day_slots(host, utc(2026, 3, 30))  # Monday, CEST (UTC+2)

    assert before[0] == utc(2026, 3, 27, 8, 0)
    assert after[0] == utc(2026, 3, 30, 7, 0)
    assert len(before) == len(after) == 16


def test_it_keeps_local_hours_across_the_autumn_daylight_saving_change():
    host = rules("America/New_York")

    before = day_slots(host, utc(2026, 10, 30))  # Friday, EDT (UTC−4)
    after = day_slots(host, utc(2026, 11, 2))  # Monday, EST (UTC−5)

    assert before[0] == utc(2026, 10, 30, 13, 0)
    assert after[0] == utc(2026, 11, 2, 14, 0)


def test_it_makes_a_night_range_shorter_when_the_clocks_go_forward():
    # Sunday 29 March 2026 in Berlin: 02:00 CET jumps to 03:00 CEST.
    host = rules("Europe/Berlin", clean_weekly_hours({"6": [["01:00", "04:00"]]}))

    intervals = available_intervals(host, utc(2026, 3, 29), utc(2026, 3, 29, 12))

    assert intervals == [Interval(utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 2, 0))]
    slots = day_slots(host, utc(2026, 3, 28, 12))
    local_times = [slot.astimezone(host.zone).strftime("%H:%M") for slot in slots]
    assert local_times == ["01:00", "01:30", "03:00", "03:30"]


def test_it_makes_a_night_range_longer_when_the_clocks_go_back():
    # Sunday 25 October 2026 in Berlin: 03:00 CEST falls back to 02:00 CET.
    host = rules("Europe/Berlin", clean_weekly_hours({"6": [["01:00", "04:00"]]}))

    intervals = available_intervals(host, utc(2026, 10, 25), utc(2026, 10, 25, 12))

    assert intervals == [Interval(utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 3, 0))]
    assert len(day_slots(host, utc(2026, 10, 24, 12))) == 8


def test_it_handles_the_southern_hemisphere_change():
    # Sydney leaves daylight saving on Sunday 5 April 2026: UTC+11 before, UTC+10 after.
    host = rules("Australia/Sydney")

    assert day_slots(host, utc(2026, 4, 2, 13))[0] == utc(2026, 4, 2, 22, 0)
    assert day_slots(host, utc(2026, 4, 6, 13))[0] == utc(2026, 4, 6, 23, 0)


def test_it_offers_a_range_ending_at_midnight():
    host = rules(hours=clean_weekly_hours({"1": [["22:00", "24:00"]]}))

    assert day_slots(host, utc(2026, 11, 24))[-1] == utc(2026, 11, 24, 23, 30)


def test_it_aligns_slots_to_the_start_of_each_range():
    host = rules(hours=clean_weekly_hours({"1": [["09:15", "10:15"], ["13:45", "14:45"]]}))

    assert day_slots(host, utc(2026, 11, 24)) == [
        utc(2026, 11, 24, 9, 15),
        utc(2026, 11, 24, 9, 45),
        utc(2026, 11, 24, 13, 45),
        utc(2026, 11, 24, 14, 15),
    ]


@pytest.mark.parametrize(("minutes", "step"), [(10, 10), (15, 15), (20, 15), (30, 30), (45, 30), (60, 30)])
def test_it_spaces_start_times_by_the_meeting_length(minutes, step):
    assert slot_step(timedelta(minutes=minutes)) == timedelta(minutes=step)


def test_it_only_offers_long_meetings_where_they_fit():
    slots = day_slots(rules(), utc(2026, 11, 24), duration=timedelta(minutes=90))

    assert slots[-1] == utc(2026, 11, 24, 15, 30)


# --- Meetings, buffers, notice and horizon --------------------------------------------------------


def test_it_leaves_out_times_taken_by_meetings():
    meeting = Interval(utc(2026, 11, 24, 10, 0), utc(2026, 11, 24, 11, 0))

    slots = day_slots(rules(), utc(2026, 11, 24), meetings=[meeting])

    assert utc(2026, 11, 24, 9, 30) in slots
    assert utc(2026, 11, 24, 10, 0) not in slots and utc(2026, 11, 24, 10, 30) not in slots
    assert utc(2026, 11, 24, 11, 0) in slots


def test_it_keeps_the_buffers_around_each_meeting():
    host = rules(buffer_before=timedelta(minutes=15), buffer_after=timedelta(minutes=10))
    meeting = Interval(utc(2026, 11, 24, 12, 0), utc(2026, 11, 24, 12, 30))

    slots = day_slots(host, utc(2026, 11, 24), meetings=[meeting])

    # 11:00–11:30 plus its 10 minutes after ends at 11:40, before 12:00 minus 15 → free.
    assert utc(2026, 11, 24, 11, 0) in slots
    # 11:30–12:00 would run into the meeting's buffer before; 12:30 into its buffer after.
    assert utc(2026, 11, 24, 11, 30) not in slots
    assert utc(2026, 11, 24, 12, 30) not in slots
    # 13:00: the meeting's block ends 12:40, this one's begins 12:45.
    assert utc(2026, 11, 24, 13, 0) in slots


def test_it_blocks_overlaps_of_different_lengths():
    long_meeting = Interval(utc(2026, 11, 24, 9, 0), utc(2026, 11, 24, 11, 15))

    slots = day_slots(rules(), utc(2026, 11, 24), meetings=[long_meeting])

    assert slots[0] == utc(2026, 11, 24, 11, 30)


def test_it_respects_the_minimum_notice():
    now = utc(2026, 11, 24, 9, 50)
    host = rules(minimum_notice=timedelta(hours=2))

    slots = day_slots(host, utc(2026, 11, 24), now=now)

    assert slots[0] == utc(2026, 11, 24, 12, 0)


def test_it_never_offers_the_past():
    now = utc(2026, 11, 24, 13, 0)

    slots = day_slots(rules(), utc(2026, 11, 24), now=now)

    assert slots[0] == utc(2026, 11, 24, 13, 30)


def test_it_stops_at_the_horizon():
    now = utc(2026, 11, 23, 12, 0)
    host = rules(horizon=timedelta(days=3))

    slots = free_slots(rules=host, duration=HALF_HOUR, meetings=[], now=now)

    assert slots[0] == utc(2026, 11, 23, 12, 30)
    assert slots[-1] == utc(2026, 11, 26, 12, 0)


# --- Checking one start time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "problem"),
    [
        (utc(2026, 11, 24, 10, 0), None),
        (utc(2026, 11, 23, 10, 0), SlotProblem.PAST),
        (utc(2026, 11, 24, 8, 0), SlotProblem.TOO_SOON),
        (utc(2027, 3, 1, 10, 0), SlotProblem.TOO_FAR),
        (utc(2026, 11, 24, 18, 0), SlotProblem.OUTSIDE_HOURS),
        (utc(2026, 11, 24, 10, 7), SlotProblem.OUTSIDE_HOURS),
        (utc(2026, 11, 28, 10, 0), SlotProblem.OUTSIDE_HOURS),
        (utc(2026, 11, 24, 14, 0), SlotProblem.TAKEN),
        (utc(2026, 11, 24, 13, 30), SlotProblem.TAKEN),
    ],
)
def test_it_explains_why_a_start_cannot_be_booked(start, problem):
    now = utc(2026, 11, 24, 7, 0)
    host = rules(minimum_notice=timedelta(hours=2))
    meeting = Interval(utc(2026, 11, 24, 13, 45), utc(2026, 11, 24, 14, 45))

    assert slot_problem(rules=host, duration=HALF_HOUR, meetings=[meeting], now=now, start=start) == problem


def test_every_offered_slot_passes_the_booking_check():
    now = utc(2026, 3, 20, 11, 7)
    host = rules("Europe/Berlin", minimum_notice=timedelta(hours=4), buffer_after=timedelta(minutes=10))
    meetings = [Interval(utc(2026, 3, 30, 9, 0), utc(2026, 3, 30, 10, 0))]

    slots = free_slots(rules=host, duration=HALF_HOUR, meetings=meetings, now=now)

    assert slots
    for start in slots:
        assert slot_problem(rules=host, duration=HALF_HOUR, meetings=meetings, now=now, start=start) is None


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]),
    offset_hours=st.integers(min_value=0, max_value=24 * 365),
    duration=st.sampled_from([15, 20, 30, 45, 60, 90]),
)
def test_slots_always_lie_inside_the_local_hours(zone, offset_hours, duration):
    now = utc(2026, 1, 1) + timedelta(hours=offset_hours)
    host = rules(zone, horizon=timedelta(days=10))
    length = timedelta(minutes=duration)

    for start in free_slots(rules=host, duration=length, meetings=[], now=now):
        local_start = start.astimezone(host.zone)
        local_end = (start + length).astimezone(host.zone)
        assert local_start.weekday() < 5
        assert (local_start.hour, local_start.minute) >= (9, 0)
        assert (local_end.hour, local_end.minute) <= (17, 0)
        assert now < start <= now + timedelta(days=10)


# --- Cleaning input -------------------------------------------------------------------------------


def test_it_reads_and_writes_weekly_hours():
    raw = {"0": [["13:00", "17:00"], ["09:00", "12:00"]], "4": [["9:00", "24:00"]], "6": []}

    hours = clean_weekly_hours(raw)

    assert hours == {0: [(540, 720), (780, 1020)], 4: [(540, 1440)]}
    assert weekly_hours_for_storage(hours) == {
        "0": [["09:00", "12:00"], ["13:00", "17:00"]],
        "4": [["09:00", "24:00"]],
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([["09:00", "17:00"]], "map weekdays"),
        ({"7": [["09:00", "17:00"]]}, "not a weekday"),
        ({"monday": []}, "not a weekday"),
        ({"0": "09:00-17:00"}, "list of"),
        ({"0": [["17:00", "09:00"]]}, "ends before it starts"),
        ({"0": [["09:00", "12:00"], ["11:00", "13:00"]]}, "overlap"),
        ({"0": [["9", "17:00"]]}, "HH:MM"),
        ({"0": [["25:00", "26:00"]]}, "not a time of day"),
        ({"0": [["=cmd|' /C calc'!A0", "17:00"]]}, "HH:MM"),
        ({"0": [["09:00"]]}, "each range is a"),
        ({"0": [["09:00", "09:30"]] * 20}, "at most"),
    ],
)
def test_it_refuses_broken_weekly_hours(raw, message):
    with pytest.raises(ValueError, match=message):
        clean_weekly_hours(raw)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", None, "<script>", "europe/berlin", 42])
def test_it_refuses_unknown_time_zones(name):
    with pytest.raises(ValueError, match="time zone"):
        clean_time_zone(name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24T10:00:00Z", utc(2026, 11, 24, 10)),
        ("2026-11-24T11:00:00+01:00", utc(2026, 11, 24, 10)),
        ("2026-11-24T10:00:00", None),
        ("tomorrow at ten", None),
        ("", None),
        (None, None),
        ("2026-11-24T10:00:00Z" * 5, None),
    ],
)
def test_it_reads_posted_start_times(text, expected):
    assert parse_start(text) == expected
