from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from leadline.sales.models import RoutingSettings

# A Tuesday morning, well inside the default 9–17 Monday-to-Friday working hours.
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def tuesday_morning():
    with time_machine.travel(TUESDAY_10AM, tick=False) as traveller:
        yield traveller


@pytest.fixture
def routing(db: None) -> RoutingSettings:
    return RoutingSettings.load()
