"""The import wizard's steps as services: upload, map columns, check (dry run), run, discard.

Uploads are kept under DATA_DIR/imports — outside anything the web server serves — only until the
import has run (or the upload is discarded or abandoned for a day). Checking and importing run as
background tasks that record their progress on the ImportJob row, which the page polls.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from leadline.contacts.csvio import CsvFileError, read_csv_bytes, sample_values
from leadline.contacts.import_lists import ListChoice, ListTarget, list_destination
from leadline.contacts.import_mapping import auto_map, validate_mapping
from leadline.contacts.importing import ImportResult, check_import_allowed, import_contacts, read_csv_path
from leadline.contacts.models import ImportJob
from leadline.contacts.properties import definitions

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".csv", ".txt", ".tsv")
MAX_STORED_ISSUES = 10_000
PREVIEW_ISSUES = 20
ABANDONED_AFTER = timedelta(days=1)
STALLED_AFTER = timedelta(minutes=15)  # a running job that has not reported progress for this long
PROGRESS_INTERVAL_SECONDS = 0.5
LIST_KEY = "list"  # in ImportJob.preview: the list the imported contacts are added to


def imports_dir() -> Path:
    directory = Path(settings.DATA_DIR) / "imports"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def _stored_path(job: ImportJob) -> Path | None:
    if not job.stored_name:
        return None
    return imports_dir() / job.stored_name


def _remove_upload(job: ImportJob) -> None:
    path = _stored_path(job)
    if path is not None:
        path.unlink(missing_ok=True)
    if job.stored_name:
        job.stored_name = ""
        ImportJob.objects.filter(pk=job.pk).update(stored_name="")


def import_job_create(*, actor: Any, upload: UploadedFile) -> ImportJob:
    """Check and keep an uploaded CSV; returns the job, ready for its column mapping."""
    check_import_allowed(actor)
    name = Path(upload.name or "contacts.csv").name[:255]
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        raise ValidationError({"file": "Upload a CSV file (.csv). Spreadsheets can be saved as CSV."})
    limit = settings.LEADLINE_IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {"file": f"The file is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}."}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": f"The file is larger than the {filesizeformat(limit)} limit."})
    try:
        csv_file = read_csv_bytes(data, name=name)
    except CsvFileError as error:
        raise ValidationError({"file": str(error)}) from None
    _remove_abandoned_uploads()
    stored_name = f"{uuid.uuid4().hex}.csv"
    path = imports_dir() / stored_name
    path.write_bytes(data)
    path.chmod(0o600)
    try:
        return ImportJob.objects.create(
            created_by=actor if getattr(actor, "pk", None) else None,
            file_name=name,
            stored_name=stored_name,
            file_size=len(data),
            encoding=csv_file.encoding,
            delimiter=csv_file.delimiter,
            headers=csv_file.headers,
            samples=sample_values(csv_file),
            mapping=auto_map(csv_file.headers, properties=definitions()),
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise


def import_job_set_mapping(
    *,
    job: ImportJob,
    actor: Any,
    mapping: list[str],
    default_owner: Any = None,
    add_to_list: ListChoice | None = None,
) -> ImportJob:
    """Save the chosen columns (and the list the contacts go to, if any) and start checking the
    file (a dry run) in the background."""
    check_import_allowed(actor)
    if job.state not in (ImportJob.State.UPLOADED, ImportJob.State.READY, ImportJob.State.FAILED):
        raise ValidationError("This import has already started.")
    if not job.stored_name:
        raise ValidationError("The uploaded file is no longer available; upload it again.")
    problems = validate_mapping(mapping, headers=job.headers, properties=definitions())
    if problems:
        raise ValidationError(problems)
    destination = list_destination()
    list_name = ""
    if destination is not None and add_to_list:
        try:
            list_name = destination.describe(add_to_list)
        except ValidationError as error:
            field = "new_list" if add_to_list.new_name else "add_to_list"
            raise ValidationError({field: error.messages}) from None
    job.mapping = list(mapping)
    job.default_owner = default_owner
    # Until the import runs, the list chosen is kept beside the dry run's figures.
    job.preview = (
        {LIST_KEY: {**add_to_list.as_json(), "name": list_name}} if list_name and add_to_list else {}
    )
    job.state = ImportJob.State.CHECKING
    job.message = ""
    job.processed_rows = job.total_rows = 0
    job.save(
        update_fields=[
            "mapping",
            "default_owner",
            "preview",
            "state",
            "message",
            "processed_rows",
            "total_rows",
            "updated_at",
        ]
    )
    _enqueue(job, dry_run=True)
    job.refresh_from_db()
    return job


def import_job_start(*, job: ImportJob, actor: Any) -> ImportJob:
    """Run the checked import in the background."""
    check_import_allowed(actor)
    if job.state != ImportJob.State.READY:
        raise ValidationError("Check the file before importing it.")
    updated = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.READY).update(
        state=ImportJob.State.QUEUED, processed_rows=0, updated_at=timezone.now()
    )
    if not updated:  # a second click while the first one was on its way
        raise ValidationError("This import has already started.")
    _enqueue(job, dry_run=False)
    job.refresh_from_db()
    return job


def import_job_discard(*, job: ImportJob, actor: Any) -> None:
    """Forget an upload that has not been imported (or a finished job), removing the stored file."""
    check_import_allowed(actor)
    if job.is_active and job.updated_at > timezone.now() - STALLED_AFTER:
        raise ValidationError("This import is running; wait for it to finish.")
    _remove_upload(job)
    job.delete()


def _enqueue(job: ImportJob, *, dry_run: bool) -> None:
    from leadline.contacts.tasks import import_job_run

    job_id = str(job.public_id)
    transaction.on_commit(lambda: import_job_run.enqueue(job_id, dry_run))


def _issues_json(result: ImportResult) -> list[dict[str, Any]]:
    return [
        {"row": issue.row, "column": issue.column, "message": issue.message, "level": issue.level}
        for issue in result.issues[:MAX_STORED_ISSUES]
    ]


def import_job_execute(*, job_public_id: str, dry_run: bool) -> str:
    """Check or run one job (called by the background task). Returns the job's final state."""
    job = (
        ImportJob.objects.select_related("created_by", "default_owner")
        .filter(public_id=job_public_id)
        .first()
    )
    if job is None:
        return "missing"
    expected = ImportJob.State.CHECKING if dry_run else ImportJob.State.QUEUED
    if job.state != expected:
        return str(job.state)
    if not dry_run:
        job.state = ImportJob.State.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["state", "started_at", "updated_at"])
    last_report = 0.0

    def progress(phase: str, done: int, total: int) -> None:
        nonlocal last_report
        now = time.monotonic()
        if now - last_report < PROGRESS_INTERVAL_SECONDS and done != total:
            return
        last_report = now
        if phase == "writing":
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=done, total_rows=total, updated_at=timezone.now()
            )

    chosen_list = dict((job.preview or {}).get(LIST_KEY) or {})
    added_to_list = 0
    target = None
    if chosen_list and not dry_run and list_destination() is not None:
        target = _list_target(job, ListChoice.from_json(chosen_list))
        if target is None:
            return str(job.state)
        chosen_list.update(name=target.name, url=target.url)

    def written(contact_ids: list[int]) -> None:
        nonlocal added_to_list
        if target is not None:
            added_to_list += target.add(contact_ids)

    try:
        path = _stored_path(job)
        if path is None or not path.exists():
            raise CsvFileError("The uploaded file is no longer available; upload it again.")
        csv_file = read_csv_path(path)
        csv_file.name = job.file_name
        result = import_contacts(
            csv_file,
            mapping=job.mapping,
            actor=job.created_by,
            dry_run=dry_run,
            default_owner=job.default_owner,
            progress=progress,
            written=written,
        )
    except Exception as error:
        if not isinstance(error, CsvFileError):
            logger.exception("Import %s failed", job.public_id)
        job.state = ImportJob.State.FAILED
        job.message = (
            str(error)[:2000] if isinstance(error, CsvFileError) else "The import stopped unexpectedly."
        )
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "message", "finished_at", "updated_at"])
        if not dry_run:
            _remove_upload(job)
        return str(job.state)

    job.errors = _issues_json(result)
    job.error_count = len(result.issues)
    job.total_rows = result.total_rows
    job.processed_rows = result.total_rows
    if dry_run:
        job.state = ImportJob.State.READY
        job.preview = {
            "counts": result.counts(),
            "issues": job.errors[:PREVIEW_ISSUES],
            "ignored_columns": result.ignored_columns,
        }
        if chosen_list:
            job.preview[LIST_KEY] = chosen_list
    else:
        if chosen_list:
            job.preview = {**(job.preview or {}), LIST_KEY: {**chosen_list, "added": added_to_list}}
        job.state = ImportJob.State.DONE
        job.created_count = result.created
        job.updated_count = result.updated
        job.unchanged_count = result.unchanged
        job.failed_count = result.failed
        job.duplicate_count = result.duplicates
        job.finished_at = timezone.now()
    job.save()
    if not dry_run:
        _remove_upload(job)
    return str(job.state)


def _list_target(job: ImportJob, choice: ListChoice) -> ListTarget | None:
    """The list the import adds to (created now if new); None, with the job failed and its upload
    kept for a new mapping, when the list cannot be used any more."""
    destination = list_destination()
    assert destination is not None
    try:
        return destination.target(choice, actor=job.created_by)
    except ValidationError as error:
        job.state = ImportJob.State.FAILED
        job.message = "The list chosen for these contacts cannot be used: " + " ".join(error.messages)
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "message", "finished_at", "updated_at"])
        return None


def _remove_abandoned_uploads() -> None:
    """Uploads nobody ran within a day are deleted, so personal data does not pile up on disk."""
    cutoff = timezone.now() - ABANDONED_AFTER
    stale = (
        ImportJob.objects.filter(updated_at__lt=cutoff)
        .exclude(stored_name="")
        .exclude(state__in=[ImportJob.State.CHECKING, ImportJob.State.QUEUED, ImportJob.State.RUNNING])
    )
    for job in stale[:100]:
        _remove_upload(job)
        if job.state != ImportJob.State.DONE:
            ImportJob.objects.filter(pk=job.pk).update(
                state=ImportJob.State.FAILED, message="The upload expired after a day; upload it again."
            )
