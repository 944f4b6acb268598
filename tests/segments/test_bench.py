"""`leadline bench segments` builds the same members as the hand-written SQL it is compared with."""

from __future__ import annotations

import pytest

from leadline.segments.bench import bench_segments

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_matches_the_hand_written_sql_and_updates_incrementally():
    report = bench_segments(300, lambda message: None)

    assert "Hand-written SQL selects the same members" in report.details
    assert set(report.ratios) == {"full", "incremental"}
    assert any("50,000 events read" in line for line in report.details)
    assert report.details[-1] == "The incremental update leaves the same members as a fresh full build"
