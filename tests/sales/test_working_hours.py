from datetime import UTC, datetime

import pytest

from leadline.sales.handoff_hours import WorkingHours, add_working_hours

NINE_TO_FIVE = WorkingHours(time_zone="UTC", day_start=9, day_end=17, weekdays=frozenset({0, 1, 2, 3, 4}))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_it_adds_hours_within_the_same_working_day():
    # Tuesday 10:00 + 4 h
    assert add_working_hours(utc(2026, 11, 24, 10, 0), 4, NINE_TO_FIVE) == utc(2026, 11, 24, 14, 0)


def test_it_carries_the_rest_into_the_next_morning():
    # Tuesday 15:00 + 4 h → 2 h today, 2 h on Wednesday from 9:00
    assert add_working_hours(utc(2026, 11, 24, 15, 0), 4, NINE_TO_FIVE) == utc(2026, 11, 25, 11, 0)


def test_it_skips_the_weekend():
    # Friday 16:30 + 4 h → Monday 12:30
    assert add_working_hours(utc(2026, 11, 27, 16, 30), 4, NINE_TO_FIVE) == utc(2026, 11, 30, 12, 30)


def test_it_starts_counting_at_opening_time_for_leads_arriving_at_night():
    # Wednesday 03:00 → the clock starts at 9:00
    assert add_working_hours(utc(2026, 11, 25, 3, 0), 4, NINE_TO_FIVE) == utc(2026, 11, 25, 13, 0)


def test_it_starts_on_monday_for_leads_arriving_on_saturday():
    assert add_working_hours(utc(2026, 11, 28, 11, 0), 4, NINE_TO_FIVE) == utc(2026, 11, 30, 13, 0)


def test_it_ends_exactly_at_closing_time_without_moving_to_the_next_day():
    assert add_working_hours(utc(2026, 11, 24, 13, 0), 4, NINE_TO_FIVE) == utc(2026, 11, 24, 17, 0)


def test_it_spans_several_days_for_long_slas():
    # Monday 9:00 + 20 h → Monday 8 h, Tuesday 8 h, Wednesday 4 h → Wednesday 13:00
    assert add_working_hours(utc(2026, 11, 23, 9, 0), 20, NINE_TO_FIVE) == utc(2026, 11, 25, 13, 0)


def test_it_counts_working_hours_in_the_settings_time_zone():
    new_york = WorkingHours(
        time_zone="America/New_York", day_start=9, day_end=17, weekdays=frozenset(range(5))
    )
    # Friday 21:00 UTC is 16:00 in New York (EST, UTC-5): 1 h on Friday, 3 h on Monday → 12:00 EST
    assert add_working_hours(utc(2026, 11, 27, 21, 0), 4, new_york) == utc(2026, 11, 30, 17, 0)


def test_it_keeps_the_working_day_length_across_a_daylight_saving_change():
    berlin = WorkingHours(time_zone="Europe/Berlin", day_start=9, day_end=17, weekdays=frozenset(range(5)))
    # Friday 27 March 2026 16:00 CET (15:00 UTC); clocks go forward on Sunday 29 March.
    # 1 h on Friday, 3 h on Monday → Monday 12:00 CEST = 10:00 UTC
    assert add_working_hours(utc(2026, 3, 27, 15, 0), 4, berlin) == utc(2026, 3, 30, 10, 0)


def test_it_honours_custom_working_days():
    sunday_to_thursday = WorkingHours(
        time_zone="UTC", day_start=8, day_end=16, weekdays=frozenset({6, 0, 1, 2, 3})
    )
    # Thursday 15:00 + 2 h → 1 h Thursday, then Friday and Saturday are off → Sunday 9:00
    assert add_working_hours(utc(2026, 11, 26, 15, 0), 2, sunday_to_thursday) == utc(2026, 11, 29, 9, 0)


def test_it_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        add_working_hours(datetime(2026, 11, 24, 10, 0), 4, NINE_TO_FIVE)


def test_it_falls_back_to_plain_hours_when_no_day_is_a_working_day():
    nobody_works = WorkingHours(time_zone="UTC", day_start=9, day_end=17, weekdays=frozenset())
    assert add_working_hours(utc(2026, 11, 24, 10, 0), 4, nobody_works) == utc(2026, 11, 24, 14, 0)


def test_it_treats_an_unknown_time_zone_as_utc():
    unknown = WorkingHours(time_zone="Mars/Olympus", day_start=9, day_end=17, weekdays=frozenset(range(5)))
    assert add_working_hours(utc(2026, 11, 24, 10, 0), 4, unknown) == utc(2026, 11, 24, 14, 0)
