"""The import wizard: upload → map columns → check (dry run) → import → report, for admins and marketing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from leadline.contacts.models import Contact, ImportJob
from tests.conftest import client_for
from tests.contacts.import_helpers import ESCAPED, HOSTILE, csv_bytes

ROWS = [
    ["Email", "First Name", "Last Name", "Lifecycle Stage", "Shoe size"],
    ["ann@example.org", "Ann", "Smith", "marketingqualifiedlead", "38"],
    ["bob@example.org", "Bob", "Jones", "lead", "44"],
    [HOSTILE, "Mallory", "", "", ""],
]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def upload(client, data: bytes = b"", name: str = "people.csv"):
    file = SimpleUploadedFile(name, data or csv_bytes(ROWS), content_type="text/csv")
    return client.post(reverse("contacts_io:import_start"), {"file": file})


def mapping_post(job: ImportJob, **overrides: str) -> dict[str, str]:
    data = {f"column_{index}": target for index, target in enumerate(job.mapping)}
    data.update(overrides)
    return data


def checked_job(client, django_capture_on_commit_callbacks) -> ImportJob:
    upload(client)
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("contacts_io:import_mapping", args=[job.public_id]), mapping_post(job))
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("name", ["alice", "maria"])
def test_it_shows_the_upload_page_to_admins_and_marketing(personas, name):
    response = client_for(personas[name]).get(reverse("contacts_io:import_start"))

    assert response.status_code == 200
    assert b"Import contacts" in response.content


def test_it_refuses_every_import_page_to_sales(personas, alice):
    job = ImportJob.objects.create(created_by=alice, file_name="people.csv", state=ImportJob.State.DONE)
    client = client_for(personas["sam"])

    for name in ("import_detail", "import_mapping", "import_status", "import_errors"):
        assert client.get(reverse(f"contacts_io:{name}", args=[job.public_id])).status_code == 403
    for name in ("import_run", "import_discard"):
        assert client.post(reverse(f"contacts_io:{name}", args=[job.public_id])).status_code == 403
    assert client.get(reverse("contacts_io:import_start")).status_code == 403
    assert upload(client).status_code == 403
    assert ImportJob.objects.count() == 1


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(reverse("contacts_io:import_start"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_walks_through_upload_mapping_check_and_import(
    maria, data_dir, django_capture_on_commit_callbacks
):
    client = client_for(maria)

    response = upload(client)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts_io:import_mapping", args=[job.public_id])
    stored = data_dir / "imports" / job.stored_name
    assert stored.exists()

    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "Shoe size" in content and "marketingqualifiedlead" in content  # headers and sample values
    assert '<option value="first_name" selected>' in content  # recognised columns are preselected

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response["Location"], mapping_post(job))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportJob.State.READY
    assert job.preview["counts"]["created"] == 2
    assert not Contact.objects.exists()  # the check is a dry run
    detail = client.get(reverse("contacts_io:import_detail", args=[job.public_id])).content.decode()
    assert "Import 2 contacts" in detail
    assert "Shoe size" in detail  # listed as not imported

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contacts_io:import_run", args=[job.public_id]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert (job.created_count, job.failed_count) == (2, 1)
    assert set(Contact.objects.values_list("email", flat=True)) == {"ann@example.org", "bob@example.org"}
    assert not stored.exists()  # the upload is removed once imported
    done = client.get(reverse("contacts_io:import_detail", args=[job.public_id])).content.decode()
    assert "Import finished" in done


def test_it_shows_problems_escaped_and_offers_them_as_csv(alice, django_capture_on_commit_callbacks):
    client = client_for(alice)
    job = checked_job(client, django_capture_on_commit_callbacks)

    detail = client.get(reverse("contacts_io:import_detail", args=[job.public_id])).content.decode()
    report = client.get(reverse("contacts_io:import_errors", args=[job.public_id]))

    assert ESCAPED in detail
    assert HOSTILE not in detail
    assert report["Content-Type"].startswith("text/csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Row,Column,Problem,Severity"
    assert lines[1].startswith("4,Email,")


def test_it_refuses_a_huge_upload_before_reading_it(maria, settings):
    settings.LEADLINE_IMPORT_MAX_BYTES = 1024

    response = upload(client_for(maria), b"Email\r\n" + b"someone@example.org\r\n" * 5000)

    assert response.status_code == 400
    assert b"larger than the" in response.content
    assert not ImportJob.objects.exists()


def test_it_rejects_files_over_the_size_limit(maria, settings):
    settings.LEADLINE_IMPORT_MAX_BYTES = 1024

    response = upload(client_for(maria), b"Email\r\n" + b"someone@example.org\r\n" * 100)

    assert response.status_code == 400
    assert b"the limit is" in response.content
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n", b"Upload a CSV file"),
        ("book.csv", b"PK\x03\x04\x14\x00\x06\x00", b"Excel"),
        ("empty.csv", b" ", b"empty"),
        ("rows.csv", b"ann@example.org,Ann\r\n", b"looks like data"),
    ],
)
def test_it_rejects_what_is_not_a_csv_file(maria, data_dir, name, data, message):
    response = upload(client_for(maria), data, name)

    assert response.status_code == 400
    assert message in response.content
    assert not ImportJob.objects.exists()
    imports = data_dir / "imports"
    assert not imports.exists() or list(imports.iterdir()) == []


def test_it_requires_an_email_column_in_the_mapping(maria):
    client = client_for(maria)
    upload(client)
    job = ImportJob.objects.get()

    response = client.post(
        reverse("contacts_io:import_mapping", args=[job.public_id]), mapping_post(job, column_0="")
    )

    assert response.status_code == 400
    assert b"holds email addresses" in response.content
    job.refresh_from_db()
    assert job.state == ImportJob.State.UPLOADED


def test_it_rejects_an_unknown_mapping_target(maria):
    client = client_for(maria)
    upload(client)
    job = ImportJob.objects.get()

    response = client.post(
        reverse("contacts_io:import_mapping", args=[job.public_id]), mapping_post(job, column_1="password")
    )

    assert response.status_code == 400
    assert ImportJob.objects.get().state == ImportJob.State.UPLOADED


def test_it_discards_an_upload_and_its_file(maria, data_dir):
    client = client_for(maria)
    upload(client)
    job = ImportJob.objects.get()

    response = client.post(reverse("contacts_io:import_discard", args=[job.public_id]))

    assert response.status_code == 302
    assert not ImportJob.objects.exists()
    assert not (data_dir / "imports" / job.stored_name).exists()


def test_it_lets_a_stalled_import_be_removed_but_not_a_running_one(maria):
    running = ImportJob.objects.create(created_by=maria, file_name="a.csv", state=ImportJob.State.RUNNING)
    stalled = ImportJob.objects.create(created_by=maria, file_name="b.csv", state=ImportJob.State.RUNNING)
    ImportJob.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    client = client_for(maria)

    client.post(reverse("contacts_io:import_discard", args=[running.public_id]))
    client.post(reverse("contacts_io:import_discard", args=[stalled.public_id]))

    assert list(ImportJob.objects.all()) == [running]


def test_it_polls_while_the_import_runs_and_stops_when_done(maria):
    running = ImportJob.objects.create(
        created_by=maria, file_name="a.csv", state=ImportJob.State.RUNNING, total_rows=200, processed_rows=50
    )
    done = ImportJob.objects.create(created_by=maria, file_name="b.csv", state=ImportJob.State.DONE)
    client = client_for(maria)

    polling = client.get(reverse("contacts_io:import_status", args=[running.public_id])).content.decode()
    finished = client.get(reverse("contacts_io:import_status", args=[done.public_id])).content.decode()

    assert 'hx-trigger="every 1s"' in polling and "50 of 200" in polling
    assert "hx-trigger" not in finished


def test_it_does_not_start_an_import_twice(maria, django_capture_on_commit_callbacks):
    client = client_for(maria)
    job = checked_job(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("contacts_io:import_run", args=[job.public_id]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contacts_io:import_run", args=[job.public_id]), follow=True)

    assert b"Check the file before importing it." in response.content
    assert Contact.objects.count() == 2


def test_it_answers_404_for_an_unknown_import(maria):
    client = client_for(maria)

    assert client.get("/contacts/import/8c1a0d1e-0000-4000-8000-000000000000/").status_code == 404


def test_the_list_of_imports_costs_the_same_queries_however_long(maria, django_assert_max_num_queries):
    for number in range(30):
        ImportJob.objects.create(created_by=maria, file_name=f"file{number}.csv", state=ImportJob.State.DONE)
    client = client_for(maria)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("contacts_io:import_start"))

    assert response.status_code == 200
    assert b"file29.csv" in response.content
