"""The generated workspace, with its rollups built, at a fixed moment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from leadline.analytics.rollups import rollups_rebuild
from tests.analytics.dashboards.dataset import NOW, World, build_world


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db: None, frozen: Any) -> World:
    built = build_world()
    rollups_rebuild()
    return built
