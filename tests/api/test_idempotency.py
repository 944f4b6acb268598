"""Idempotency-Key: a retried create replays the first response instead of repeating the write."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.api.models import IdempotencyKey
from leadline.api.tasks import idempotency_keys_cleanup
from leadline.contacts.models import Company, Contact
from leadline.core.scheduler import PERIODIC
from tests.api.client import ApiClient, api_as, error_of, token_for
from tests.factories import ContactFactory

KEY = {"Idempotency-Key": "5f0c2a9e-create-ada"}


def test_it_replays_the_stored_response_for_a_retry(alice):
    api = api_as(alice)
    first = api.post("/contacts", {"email": "ada@example.org", "first_name": "Ada"}, headers=KEY)
    Contact.objects.update(first_name="Changed since")

    retry = api.post("/contacts", {"first_name": "Ada", "email": "ada@example.org"}, headers=KEY)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Contact.objects.get().first_name == "Changed since"
    assert Activity.objects.filter(kind=Kind.CONTACT_CREATED).count() == 1


def test_it_refuses_the_same_key_with_a_different_body(alice):
    api = api_as(alice)
    api.post("/contacts", {"email": "ada@example.org"}, headers=KEY)

    response = api.post("/contacts", {"email": "grace@example.org"}, headers=KEY)

    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert not Contact.objects.filter(email="grace@example.org").exists()


def test_it_refuses_the_same_key_on_another_route(alice):
    api = api_as(alice)
    api.post("/contacts", {"email": "ada@example.org"}, headers=KEY)

    response = api.post("/companies", {"name": "Initech"}, headers=KEY)

    assert response.status_code == 422
    assert not Company.objects.filter(name="Initech").exists()


def test_it_keeps_keys_of_different_users_apart(alice, maria):
    first = api_as(alice).post("/contacts", {"email": "ada@example.org"}, headers=KEY)
    second = api_as(maria).post("/contacts", {"email": "ada@example.org", "city": "Leeds"}, headers=KEY)

    assert (first.status_code, second.status_code) == (201, 200)
    assert "Idempotent-Replayed" not in second


def test_it_does_not_store_a_refused_request(alice):
    api = api_as(alice)
    refused = api.post("/contacts", {"email": "not an email"}, headers=KEY)

    corrected = api.post("/contacts", {"email": "ada@example.org"}, headers=KEY)

    assert (refused.status_code, corrected.status_code) == (400, 201)


def test_it_frees_a_key_after_24_hours(alice):
    api = api_as(alice)
    api.post("/contacts", {"email": "ada@example.org"}, headers=KEY)

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        response = api.post("/contacts", {"email": "grace@example.org"}, headers=KEY)

    assert response.status_code == 201
    assert Contact.objects.filter(email="grace@example.org").exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve-ключ"])
def test_it_refuses_an_unusable_key(alice, key):
    response = api_as(alice).post("/contacts", {"email": "ada@example.org"}, headers={"Idempotency-Key": key})

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["Idempotency-Key"]
    assert not Contact.objects.exists()


def test_it_replays_note_and_company_creation_too(alice):
    contact = ContactFactory()
    api = api_as(alice)

    for path, body in [
        (f"/contacts/{contact.public_id}/notes", {"body": "Hi"}),
        ("/companies", {"name": "Initech"}),
    ]:
        headers = {"Idempotency-Key": f"key-{path}"}
        first, retry = api.post(path, body, headers=headers), api.post(path, body, headers=headers)
        assert (first.status_code, retry.status_code) == (201, 201)
        assert retry.json()["id"] == first.json()["id"]

    assert Activity.objects.filter(kind=Kind.NOTE).count() == 1
    assert Company.objects.filter(name="Initech").count() == 1


def test_it_cleans_up_expired_keys_periodically(alice):
    api = api_as(alice)
    with time_machine.travel(timezone.now() - timedelta(hours=30)):
        api.post("/contacts", {"email": "old@example.org"}, headers={"Idempotency-Key": "old"})
    api.post("/contacts", {"email": "new@example.org"}, headers={"Idempotency-Key": "new"})

    assert "leadline.api.tasks.idempotency_keys_cleanup" in PERIODIC
    assert idempotency_keys_cleanup() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_it_replays_when_a_concurrent_request_stored_the_key_first(alice, monkeypatch):
    api = api_as(alice)
    first = api.post("/contacts", {"email": "ada@example.org"}, headers=KEY)
    # The second request looked before the first committed, so it saw no key and tries to insert one.
    monkeypatch.setattr("leadline.api.idempotency._live_record", lambda user, key: None)

    retry = api.post("/contacts", {"email": "ada@example.org"}, headers=KEY)

    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Activity.objects.filter(kind=Kind.CONTACT_CREATED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_produces_one_effect_for_concurrent_identical_requests(alice):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Shared-cache in-memory SQLite answers concurrent writers with "table is locked" instead of
        # waiting; the file database Leadline runs on (and PostgreSQL) make them wait.
        pytest.skip("needs a file or PostgreSQL test database, not LEADLINE_TEST_FILE_DB=0")
    token = token_for(alice)
    body = {"email": "race@example.org", "first_name": "Race"}
    barrier = threading.Barrier(4)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            response = ApiClient(token).post("/contacts", body, headers={"Idempotency-Key": "race-1"})
            results.append((response.status_code, response.json().get("id", "")))
        except BaseException as error:  # surfaced below; a thread must not swallow it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert len(results) == 4
    assert {status for status, _id in results} == {201}
    assert len({public_id for _status, public_id in results}) == 1
    assert Contact.objects.filter(email="race@example.org").count() == 1
    assert Activity.objects.filter(kind=Kind.CONTACT_CREATED).count() == 1
    assert IdempotencyKey.objects.count() == 1
