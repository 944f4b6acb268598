"""The CDNOW sample (2,357 customers, 1997–98) behind Fader, Hardie & Lee's paper, read from the
`lifetimes` package where it ships (a test-only dependency; the data are not copied here)."""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pytest

CALIBRATION_END = date(1997, 9, 30)


def cdnow_path() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes package (which ships the CDNOW sample) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_sample.txt"
    if not path.exists():
        pytest.skip("the CDNOW sample is missing from the lifetimes package")
    return path


def cdnow_rows() -> list[tuple[str, date, float]]:
    """(customer id, day, dollars) per line: the file's columns are the master id, the sample id,
    the date as YYYYMMDD, the number of CDs and the dollar value."""
    rows = []
    for line in cdnow_path().read_text().splitlines():
        if not line.strip():
            continue
        _master, customer, day, _cds, dollars = line.split()
        rows.append((customer, date(int(day[:4]), int(day[4:6]), int(day[6:])), float(dollars)))
    return rows


def cdnow_summary(until: date = CALIBRATION_END) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Frequency, recency and age in weeks, and mean repeat spend, computed independently of Leadline."""
    days: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for customer, day, dollars in cdnow_rows():
        days[customer][day] += dollars
    frequency, recency, age, spend = [], [], [], []
    for purchases in days.values():
        inside = sorted(day for day in purchases if day <= until)
        if not inside:
            continue
        first = inside[0]
        frequency.append(len(inside) - 1)
        recency.append((inside[-1] - first).days / 7)
        age.append((until - first).days / 7)
        repeat = [purchases[day] for day in inside[1:]]
        spend.append(sum(repeat) / len(repeat) if repeat else 0.0)
    return np.array(frequency, float), np.array(recency), np.array(age), np.array(spend)


def write_cdnow_csv(path: Path) -> Path:
    """The sample as an order file Leadline imports: email, date, amount, currency."""
    lines = ["email,date,amount,currency"]
    for customer, day, dollars in cdnow_rows():
        lines.append(f"{customer}@cdnow.example,{day:%Y-%m-%d},{dollars:.2f},USD")
    path.write_text("\n".join(lines) + "\n")
    return path
