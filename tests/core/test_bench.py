"""`leadline bench import`: the JSON report's shape (timings are never asserted in the test suite)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from leadline.cli import main
from leadline.core.bench import WORKLOADS, _synthetic_people


def test_it_prints_the_import_benchmark_as_one_json_object(db):
    result = CliRunner().invoke(main, ["bench", "import", "--scale", "200", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"workload", "scale", "results", "ratios"}
    assert (report["workload"], report["scale"]) == ("import", 200)
    assert set(report["results"]) == {"leadline", "baseline_upsert"}
    for measurement in report["results"].values():
        assert measurement["unit"] == "rows/s"
        assert measurement["value"] > 0
    assert set(report["ratios"]) == {"upsert"}
    assert report["ratios"]["upsert"] > 0


def test_it_leaves_the_users_own_contacts_alone(db):
    from leadline.contacts.models import Contact
    from tests.factories import ContactFactory

    mine = ContactFactory(email="mine@example.org")

    result = CliRunner().invoke(main, ["bench", "import", "--scale", "50", "--json"])

    assert result.exit_code == 0
    # The benchmark empties its own contact tables; it must have done so in a database of its own.
    assert list(Contact.objects.all()) == [mine]


def test_it_refuses_an_unknown_workload():
    result = CliRunner().invoke(main, ["bench", "nonsense"])

    assert result.exit_code == 1
    assert "Unknown workload 'nonsense'" in result.output
    assert "import" in WORKLOADS


def test_the_synthetic_file_has_about_ten_percent_duplicates():
    rows, existing = _synthetic_people(1000)
    emails = [row[0] for row in rows]

    assert len(rows) == 1000
    assert len(emails) - len(set(emails)) == 50  # repeated within the file
    assert len(existing) == 50 and set(existing) <= set(emails)  # already stored
    assert _synthetic_people(1000) == (rows, existing)  # seeded: the same every run
