"""`leadline bench ingest`: the JSON report's shape (timings are never asserted in the test suite)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from leadline.activity.models import Activity
from leadline.cli import main
from leadline.tracking.models import Site


@pytest.mark.django_db
def test_it_prints_the_ingest_benchmark_as_one_json_object_and_leaves_the_users_data_alone() -> None:
    result = CliRunner().invoke(main, ["bench", "ingest", "--scale", "200", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"workload", "scale", "results", "ratios"}
    assert (report["workload"], report["scale"]) == ("ingest", 200)
    throughput = {"leadline_batch1", "leadline_batch20", "noop_http", "noop_http_batch1", "raw_executemany"}
    assert set(report["results"]) == throughput | {"collect_p50", "collect_p99"}
    for name in throughput:
        assert report["results"][name]["unit"] == "events/s"
        assert report["results"][name]["value"] > 0
    assert report["results"]["collect_p99"]["unit"] == "ms"
    assert report["results"]["collect_p99"]["value"] >= report["results"]["collect_p50"]["value"]
    assert {"storage", "http"} <= set(report["ratios"])
    assert all(ratio > 0 for ratio in report["ratios"].values())
    # The server and its database were the benchmark's own.
    assert not Site.objects.exists()
    assert not Activity.objects.exists()
