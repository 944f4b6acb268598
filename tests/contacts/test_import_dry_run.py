"""A dry run reports what an import would do and writes nothing at all."""

from __future__ import annotations

from leadline.activity.models import Activity
from leadline.contacts.models import Company, Contact
from leadline.core.models import AuditEntry
from tests.contacts.import_helpers import run_import
from tests.factories import ContactFactory

ROWS = [
    ["Email", "First name", "Company", "Phone"],
    ["new@acme.example", "New", "Acme", ""],
    ["known@example.org", "Renamed", "", ""],
    ["same@example.org", "Same", "", ""],
    ["bad@example.org", "Bad", "", "no phone"],
    ["new@acme.example", "New again", "", ""],
]


def snapshot() -> tuple[list[dict], int, int, int]:
    return (
        list(Contact.objects.order_by("id").values()),
        Company.objects.count(),
        Activity.objects.count(),
        AuditEntry.objects.count(),
    )


def test_it_writes_nothing(db):
    ContactFactory(email="known@example.org", first_name="Known")
    ContactFactory(email="same@example.org", first_name="Same")
    before = snapshot()

    result = run_import(ROWS, dry_run=True)

    assert snapshot() == before
    assert result.dry_run


def test_it_reports_what_a_real_run_would_do(db):
    ContactFactory(email="known@example.org", first_name="Known")
    ContactFactory(email="same@example.org", first_name="Same")

    preview = run_import(ROWS, dry_run=True)
    real = run_import(ROWS)

    assert preview.counts() == real.counts()
    assert (preview.created, preview.updated, preview.unchanged, preview.failed, preview.duplicates) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert preview.companies_created == 1
    assert [issue.message for issue in preview.issues] == [issue.message for issue in real.issues]
