import uuid

from django.db import migrations

REASONS = [
    ("not-a-fit", "Not a fit"),
    ("no-budget", "No budget"),
    ("wrong-timing", "Wrong timing"),
    ("bad-data", "Bad data"),
    ("duplicate", "Duplicate"),
]


def seed(apps, schema_editor):
    RejectionReason = apps.get_model("sales", "RejectionReason")
    for position, (key, label) in enumerate(REASONS, start=1):
        RejectionReason.objects.get_or_create(
            key=key, defaults={"label": label, "position": position, "public_id": uuid.uuid4()}
        )


def unseed(apps, schema_editor):
    RejectionReason = apps.get_model("sales", "RejectionReason")
    RejectionReason.objects.filter(key__in=[key for key, _ in REASONS], handoffs__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
