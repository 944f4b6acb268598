# The contact's own index is dropped (the timeline index, which starts with the contact, serves every
# lookup by contact) with DROP INDEX rather than by rebuilding the whole table, which is what SQLite
# would otherwise do for a changed foreign key. The (kind, time) index gains the contact, so that
# "who did X (since T)" is answered from the index alone.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activity', '0003_more_sales_kinds'),
        ('contacts', '0002_importjob'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(fields=['kind', 'occurred_at', 'contact'], name='activity_kind_time_contact'),
        ),
        migrations.RemoveIndex(
            model_name='activity',
            name='activity_kind_time',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='activity',
                    name='contact',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='activities', to='contacts.contact'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql='DROP INDEX IF EXISTS "activity_activity_contact_id_89f13adf"',
                    reverse_sql='CREATE INDEX "activity_activity_contact_id_89f13adf" ON "activity_activity" ("contact_id")',
                ),
            ],
        ),
    ]
