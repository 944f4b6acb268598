import uuid

from django.db import migrations

LOST_REASONS = [
    ("no-budget", "No budget"),
    ("competitor", "Chose a competitor"),
    ("no-decision", "No decision"),
    ("timing", "Bad timing"),
    ("not-a-fit", "Not a fit"),
    ("other", "Other"),
]

# (name, kind, probability, required fields)
STAGES = [
    ("Qualification", "open", 10, []),
    ("Meeting booked", "open", 25, []),
    ("Proposal", "open", 50, ["amount"]),
    ("Negotiation", "open", 80, ["amount", "expected_close_date"]),
    ("Won", "won", 100, ["amount"]),
    ("Lost", "lost", 0, []),
]


def seed(apps, schema_editor):
    LostReason = apps.get_model("sales", "LostReason")
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    for position, (key, label) in enumerate(LOST_REASONS, start=1):
        LostReason.objects.get_or_create(
            key=key, defaults={"label": label, "position": position, "public_id": uuid.uuid4()}
        )
    if Pipeline.objects.exists():
        return
    pipeline = Pipeline.objects.create(name="Sales pipeline", is_default=True, public_id=uuid.uuid4())
    for position, (name, kind, probability, required) in enumerate(STAGES, start=1):
        Stage.objects.create(
            pipeline=pipeline,
            name=name,
            kind=kind,
            probability=probability,
            required_fields=required,
            position=position,
            public_id=uuid.uuid4(),
        )


def unseed(apps, schema_editor):
    apps.get_model("sales", "LostReason").objects.filter(deals__isnull=True).delete()
    apps.get_model("sales", "Pipeline").objects.filter(name="Sales pipeline", deals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_pipelines_deals_orders_tasks_meetings")]

    operations = [migrations.RunPython(seed, unseed)]
