# Memberships keep two indexes: the unique (segment, contact) pair and the named contact index. The
# foreign keys' own indexes repeat them and slow every membership written; they are dropped with
# DROP INDEX rather than by rebuilding the table, which is what SQLite would otherwise do.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0002_importjob'),
        ('segments', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='segmentmembership',
                    name='contact',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='segment_memberships', to='contacts.contact'),
                ),
                migrations.AlterField(
                    model_name='segmentmembership',
                    name='segment',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='segments.segment'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql='DROP INDEX IF EXISTS "segments_segmentmembership_contact_id_3cf90934"',
                    reverse_sql='CREATE INDEX "segments_segmentmembership_contact_id_3cf90934" ON "segments_segmentmembership" ("contact_id")',
                ),
                migrations.RunSQL(
                    sql='DROP INDEX IF EXISTS "segments_segmentmembership_segment_id_ee6ebe02"',
                    reverse_sql='CREATE INDEX "segments_segmentmembership_segment_id_ee6ebe02" ON "segments_segmentmembership" ("segment_id")',
                ),
            ],
        ),
    ]
