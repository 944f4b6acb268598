"""Duplicate submissions: the same answers from the same rendering of a form are one submission,
one contact, one consent record and one reply, however many times and however fast they arrive."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import ConsentRecord, Contact
from leadline.forms.models import FormEmail, FormSubmission
from leadline.forms.services import form_submit
from tests.forms.factories import CONSENT_TEXT, FormFactory, answers


def counts() -> dict[str, int]:
    return {
        "contacts": Contact.objects.count(),
        "submissions": FormSubmission.objects.count(),
        "consents": ConsentRecord.objects.count(),
        "replies": FormEmail.objects.filter(kind=FormEmail.Kind.AUTOREPLY).count(),
        "timeline": Activity.objects.filter(kind=Kind.FORM_SUBMITTED).count(),
    }


ONE_OF_EACH = {"contacts": 1, "submissions": 1, "consents": 1, "replies": 1, "timeline": 1}


def test_a_repeated_submission_is_stored_once(db):
    form = FormFactory(consent_text=CONSENT_TEXT, consent_version="v1")
    data = answers(form, consent="yes")

    outcomes = [form_submit(form=form, data=data) for _ in range(3)]

    assert [outcome.created for outcome in outcomes] == [True, False, False]
    assert len({outcome.submission.pk for outcome in outcomes}) == 1
    assert counts() == ONE_OF_EACH


def test_the_same_answers_from_a_new_rendering_are_a_new_submission_of_the_same_contact(db):
    form = FormFactory()

    form_submit(form=form, data=answers(form))
    form_submit(form=form, data=answers(form))

    assert (Contact.objects.count(), FormSubmission.objects.count()) == (1, 2)


def _in_threads(count: int, send) -> tuple[list[int], list[BaseException]]:
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=20)
            statuses.append(send(index))
        except BaseException as error:  # surfaced by the test; a thread must not swallow it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses, errors


def _needs_a_shared_database() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Shared-cache in-memory SQLite answers concurrent writers with "table is locked" instead of
        # waiting; the file database Leadline runs on (and PostgreSQL) make them wait.
        pytest.skip("needs a file or PostgreSQL test database, not LEADLINE_TEST_FILE_DB=0")


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_identical_posts_make_one_of_everything():
    _needs_a_shared_database()
    form = FormFactory(consent_text=CONSENT_TEXT, consent_version="v1")
    data = answers(form, consent="yes")
    mail.outbox = []

    statuses, errors = _in_threads(50, lambda _index: Client().post(f"/f/{form.slug}", data).status_code)

    assert not errors
    assert statuses == [200] * 50
    assert counts() == ONE_OF_EACH
    assert [message.to for message in mail.outbox] == [["ada@example.org"]]
    assert FormEmail.objects.get().state == FormEmail.State.SENT


@pytest.mark.django_db(transaction=True)
def test_concurrent_different_submissions_of_one_person_make_one_contact(settings):
    _needs_a_shared_database()
    settings.LEADLINE_FORMS_RATE_PER_EMAIL = (100, 3600)
    form = FormFactory()

    statuses, errors = _in_threads(
        10,
        lambda index: Client().post(f"/f/{form.slug}", answers(form, last_name=f"Take {index}")).status_code,
    )

    assert not errors
    assert statuses == [200] * 10
    assert Contact.objects.count() == 1
    assert FormSubmission.objects.filter(contact=Contact.objects.get()).count() == 10
