"""Importing contacts into a static list: the wizard's "add imported contacts to a list" option and
`leadline import contacts FILE --list NAME`. Every contact of the file goes on the list — created,
updated or already up to date — and each addition is on the timeline as `segment.entered`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leadline.activity.models import Activity
from leadline.cli import main
from leadline.contacts.models import ImportJob
from leadline.segments.models import Segment, SegmentMembership
from leadline.segments.services import segment_create
from tests.conftest import client_for
from tests.contacts.import_helpers import ESCAPED, HOSTILE, csv_bytes, run_import
from tests.factories import ContactFactory

ROWS = [
    ["Email", "First Name"],
    ["ann@example.org", "Ann"],
    ["bob@example.org", "Bob"],
    ["not an email", "Mallory"],
]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def members(segment: Segment) -> set[str]:
    return set(SegmentMembership.objects.filter(segment=segment).values_list("contact__email", flat=True))


def uploaded_job(client) -> ImportJob:
    file = SimpleUploadedFile("people.csv", csv_bytes(ROWS), content_type="text/csv")
    client.post(reverse("contacts_io:import_start"), {"file": file})
    return ImportJob.objects.get()


def map_columns(client, job: ImportJob, callbacks, **extra: str):
    data = {f"column_{index}": target for index, target in enumerate(job.mapping)}
    data.update(extra)
    with callbacks(execute=True):
        return client.post(reverse("contacts_io:import_mapping", args=[job.public_id]), data)


def run_job(client, job: ImportJob, callbacks) -> ImportJob:
    with callbacks(execute=True):
        client.post(reverse("contacts_io:import_run", args=[job.public_id]))
    job.refresh_from_db()
    return job


def test_it_adds_every_imported_contact_to_a_new_list(maria, django_capture_on_commit_callbacks):
    ContactFactory(email="bob@example.org", first_name="Bob")  # already up to date: still listed
    client = client_for(maria)
    job = uploaded_job(client)

    map_columns(client, job, django_capture_on_commit_callbacks, new_list="Spring fair")
    detail = client.get(reverse("contacts_io:import_detail", args=[job.public_id])).content.decode()
    assert "will be added to the list <strong>Spring fair</strong>" in detail
    assert not Segment.objects.exists()  # created when the import runs, not by the check

    job = run_job(client, job, django_capture_on_commit_callbacks)

    listed = Segment.objects.get(name="Spring fair")
    assert job.state == ImportJob.State.DONE
    assert listed.is_static and listed.member_count == 2
    assert members(listed) == {"ann@example.org", "bob@example.org"}
    assert Activity.objects.filter(kind="segment.entered", data__segment=str(listed.public_id)).count() == 2
    done = client.get(reverse("contacts_io:import_detail", args=[job.public_id])).content.decode()
    assert f'2 contacts added to the list <a href="/segments/{listed.public_id}/">Spring fair</a>' in done


def test_it_adds_to_an_existing_list_chosen_on_the_mapping_screen(maria, django_capture_on_commit_callbacks):
    guests = segment_create(user=maria, name="Guests", kind="static")
    client = client_for(maria)
    job = uploaded_job(client)

    page = client.get(reverse("contacts_io:import_mapping", args=[job.public_id])).content.decode()
    assert f'<option value="{guests.public_id}">Guests</option>' in page
    map_columns(client, job, django_capture_on_commit_callbacks, add_to_list=str(guests.public_id))
    run_job(client, job, django_capture_on_commit_callbacks)

    assert members(guests) == {"ann@example.org", "bob@example.org"}
    assert Segment.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"add_to_list": "00000000-0000-0000-0000-000000000000"}, "Select a valid choice"),
        ({"new_list": "Hot"}, "is a dynamic segment"),
        ({"new_list": "x" * 201}, "at most 200 characters"),
        ({"add_to_list": "{guests}", "new_list": "Other"}, "not both"),
    ],
)
def test_it_refuses_a_list_it_cannot_use(maria, django_capture_on_commit_callbacks, extra, message):
    guests = segment_create(user=maria, name="Guests", kind="static")
    segment_create(user=maria, name="Hot", definition={"field": "score", "op": "gte", "value": 50})
    client = client_for(maria)
    job = uploaded_job(client)

    extra = {key: value.format(guests=guests.public_id) for key, value in extra.items()}
    response = map_columns(client, job, django_capture_on_commit_callbacks, **extra)

    assert response.status_code == 400
    assert message in response.content.decode()
    job.refresh_from_db()
    assert job.state == ImportJob.State.UPLOADED


def test_it_escapes_a_hostile_list_name(maria, django_capture_on_commit_callbacks):
    client = client_for(maria)
    job = uploaded_job(client)

    map_columns(client, job, django_capture_on_commit_callbacks, new_list=HOSTILE)
    detail = client.get(reverse("contacts_io:import_detail", args=[job.public_id])).content.decode()
    run_job(client, job, django_capture_on_commit_callbacks)

    assert ESCAPED in detail and HOSTILE not in detail
    assert members(Segment.objects.get(name=HOSTILE)) == {"ann@example.org", "bob@example.org"}


def test_it_stops_before_importing_when_the_chosen_list_is_gone(maria, django_capture_on_commit_callbacks):
    guests = segment_create(user=maria, name="Guests", kind="static")
    client = client_for(maria)
    job = uploaded_job(client)
    map_columns(client, job, django_capture_on_commit_callbacks, add_to_list=str(guests.public_id))
    guests.delete()

    job = run_job(client, job, django_capture_on_commit_callbacks)

    assert job.state == ImportJob.State.FAILED
    assert "The list chosen for these contacts cannot be used" in job.message
    assert job.stored_name  # kept, so that the mapping can be changed and the import run again
    assert not ContactFactory._meta.model.objects.exists()


def test_the_import_reports_every_contact_it_wrote_in_batches(db):
    ContactFactory(email="bob@example.org", first_name="Bob")
    batches: list[list[int]] = []

    result = run_import(ROWS, written=batches.append, batch_size=1)

    assert (result.created, result.unchanged) == (1, 1)
    assert len(batches) == 2
    assert {
        email
        for batch in batches
        for email in ContactFactory._meta.model.objects.filter(pk__in=batch).values_list("email", flat=True)
    } == {"ann@example.org", "bob@example.org"}


def test_a_dry_run_reports_nothing_written(db):
    batches: list[list[int]] = []

    run_import(ROWS, written=batches.append, dry_run=True)

    assert batches == []


# --- The command line -----------------------------------------------------------------------------


@pytest.fixture
def people(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(ROWS))
    return path


def run(*arguments: str):
    return CliRunner().invoke(main, list(arguments), catch_exceptions=False)


def test_the_command_line_imports_into_a_list_it_creates(db, people):
    result = run("import", "contacts", str(people), "--list", "Spring fair")

    assert result.exit_code == 0, result.output
    assert "Added 2 contacts to the list 'Spring fair'." in result.output
    assert members(Segment.objects.get(name="Spring fair", kind="static")) == {
        "ann@example.org",
        "bob@example.org",
    }


def test_the_command_line_adds_to_the_list_of_that_name(maria, people):
    guests = segment_create(user=maria, name="Spring Fair", kind="static")

    result = run("import", "contacts", str(people), "--list", "spring fair")

    assert result.exit_code == 0, result.output
    assert members(guests) == {"ann@example.org", "bob@example.org"}
    assert Segment.objects.count() == 1


def test_a_command_line_dry_run_creates_no_list(db, people):
    result = run("import", "contacts", str(people), "--list", "Spring fair", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "would be added to the list 'Spring fair'" in result.output
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"), [("Hot", "is a dynamic segment"), ("  ", "Give the list a name")]
)
def test_the_command_line_refuses_a_name_it_cannot_use(maria, people, name, message):
    segment_create(user=maria, name="Hot", definition={"field": "score", "op": "gte", "value": 50})

    result = CliRunner().invoke(main, ["import", "contacts", str(people), "--list", name])

    assert result.exit_code == 2
    assert message in result.output
    assert not SegmentMembership.objects.exists()
