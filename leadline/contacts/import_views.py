"""The CSV import wizard (upload → map columns → check → import → report) and the CSV export."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts.selectors import active_users
from leadline.contacts import import_jobs
from leadline.contacts.csvio import DELIMITER_NAMES, CsvLineWriter
from leadline.contacts.exporting import contacts_for_export, stream_export
from leadline.contacts.import_forms import ImportMappingForm, ImportUploadForm
from leadline.contacts.import_lists import list_destination
from leadline.contacts.import_mapping import target_label
from leadline.contacts.models import ImportJob
from leadline.contacts.properties import definitions
from leadline.core.access import get_for_user
from leadline.core.decorators import role_required
from leadline.core.forms import add_service_errors
from leadline.core.pagination import paginate
from leadline.core.services import audit_record

importers_only = role_required("marketing")  # admins always pass


def _job(request: HttpRequest, public_id: Any) -> ImportJob:
    return get_for_user(
        ImportJob.objects.select_related("created_by", "default_owner"), request.user, public_id
    )


def _declared_size(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@require_http_methods(["GET", "POST"])
@importers_only
def import_start(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm()
    if request.method == "POST" and _declared_size(request) > settings.LEADLINE_IMPORT_MAX_BYTES + 65_536:
        # Refused before the body is read: nobody should wait for a huge upload to hear it is too big.
        form = ImportUploadForm(data={})
        form.is_valid()
        limit = filesizeformat(settings.LEADLINE_IMPORT_MAX_BYTES)
        form.errors["file"] = form.error_class([f"The file is larger than the {limit} limit."])
    elif request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = import_jobs.import_job_create(actor=request.user, upload=form.cleaned_data["file"])
            except ValidationError as error:
                add_service_errors(form, error, "file")
            else:
                return redirect("contacts_io:import_mapping", public_id=job.public_id)
    jobs = ImportJob.objects.for_user(request.user).select_related("created_by")
    page = paginate(jobs, request.GET, default_size=25)
    status = 400 if form.errors else 200
    context = {"form": form, "page": page, "max_size": filesizeformat(settings.LEADLINE_IMPORT_MAX_BYTES)}
    return render(request, "contacts/import_start.html", context, status=status)


@require_http_methods(["GET", "POST"])
@importers_only
def import_mapping(request: HttpRequest, public_id: Any) -> HttpResponse:
    job = _job(request, public_id)
    if job.state not in (ImportJob.State.UPLOADED, ImportJob.State.READY, ImportJob.State.FAILED) or not (
        job.stored_name
    ):
        return redirect("contacts_io:import_detail", public_id=job.public_id)
    properties = definitions()
    owners = list(active_users())
    destination = list_destination()
    form = ImportMappingForm(
        request.POST or None,
        job=job,
        properties=properties,
        owners=owners,
        lists=destination.options() if destination else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            import_jobs.import_job_set_mapping(
                job=job,
                actor=request.user,
                mapping=form.mapping(),
                default_owner=form.chosen_owner(),
                add_to_list=form.list_choice(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("contacts_io:import_detail", public_id=job.public_id)
    status = 400 if form.errors else 200
    context = {
        "job": job,
        "form": form,
        "delimiter_name": DELIMITER_NAMES.get(job.delimiter, "comma").capitalize(),
    }
    return render(request, "contacts/import_mapping.html", context, status=status)


def _problem_summary(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """How many problems each column has, most first (over the stored problems)."""
    counts = Counter(
        (issue.get("column") or "Whole row", issue.get("level") == "warning") for issue in issues
    )
    return [
        {"column": column, "warning": warning, "count": count}
        for (column, warning), count in counts.most_common(8)
    ]


def _status_context(job: ImportJob) -> dict[str, Any]:
    properties = definitions()
    preview = job.preview or {}
    duration = None
    if job.started_at and job.finished_at:
        duration = max(0.0, (job.finished_at - job.started_at).total_seconds())
    return {
        "job": job,
        "duration": duration,
        "problem_summary": _problem_summary(job.errors or []),
        "counts": preview.get("counts", {}),
        "preview_issues": preview.get("issues", []),
        "ignored_columns": preview.get("ignored_columns", []),
        "issues": (job.errors or [])[:20],
        "chosen_list": preview.get("list") or {},
        "mapped_columns": [
            (header, target_label(target, properties))
            for header, target in zip(job.headers, job.mapping, strict=False)
            if target
        ],
    }


@require_GET
@importers_only
def import_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    job = _job(request, public_id)
    if job.state == ImportJob.State.UPLOADED:
        return redirect("contacts_io:import_mapping", public_id=job.public_id)
    return render(request, "contacts/import_detail.html", _status_context(job))


@require_GET
@importers_only
def import_status(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The part of the detail page that htmx polls while a check or import runs."""
    job = _job(request, public_id)
    return render(request, "contacts/_import_status.html", _status_context(job))


@require_POST
@importers_only
def import_run(request: HttpRequest, public_id: Any) -> HttpResponse:
    job = _job(request, public_id)
    try:
        import_jobs.import_job_start(job=job, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("contacts_io:import_detail", public_id=job.public_id)


@require_POST
@importers_only
def import_discard(request: HttpRequest, public_id: Any) -> HttpResponse:
    job = _job(request, public_id)
    try:
        import_jobs.import_job_discard(job=job, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("contacts_io:import_detail", public_id=job.public_id)
    messages.success(request, f"Removed the import of {job.file_name}.")
    return redirect("contacts_io:import_start")


@require_GET
@importers_only
def import_errors(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The problems found in the file, as a CSV a person can fix their file from."""
    job = _job(request, public_id)
    writer = CsvLineWriter()
    lines = [writer.line(["Row", "Column", "Problem", "Severity"])]
    for issue in job.errors or []:
        lines.append(
            writer.line([issue.get("row"), issue.get("column"), issue.get("message"), issue.get("level")])
        )
    response = HttpResponse("\ufeff" + "".join(lines), content_type="text/csv; charset=utf-8")
    stem = job.file_name.rsplit(".", 1)[0][:80] or "import"
    safe_stem = "".join(char if char.isalnum() or char in "-_" else "-" for char in stem)
    response["Content-Disposition"] = f'attachment; filename="{safe_stem}-problems.csv"'
    return response


@require_GET
@login_required
def export_contacts(request: HttpRequest) -> StreamingHttpResponse:
    """Every contact the user may see (narrowed by the list's filters) as a CSV download."""
    contacts = contacts_for_export(user=request.user, params=request.GET)
    audit_record(
        actor=request.user,
        action="contacts.exported",
        summary=f"Contacts export{' (filtered)' if request.GET else ''}",
        filters={key: value[:200] for key, value in request.GET.items()},
    )
    response = StreamingHttpResponse(stream_export(contacts), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="contacts-{timezone.localdate():%Y-%m-%d}.csv"'
    response["Cache-Control"] = "no-store"
    return response
