"""Background work of the contacts room: checking and running CSV imports."""

from __future__ import annotations

from django.tasks import task


@task()
def import_job_run(job_public_id: str, dry_run: bool = False) -> str:
    """Check (dry run) or run one import job; progress and results are recorded on the job row."""
    from leadline.contacts.import_jobs import import_job_execute

    return import_job_execute(job_public_id=job_public_id, dry_run=dry_run)
