"""form_submit: a submission becomes a contact (created or filled in, never blanked), a timeline
entry, a stored submission and, after commit, an instant reply."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Company, Contact, LifecycleStage, PropertyType, Source
from leadline.forms.models import FormEmail, FormField, FormKind, FormSubmission
from leadline.forms.services import form_submit
from tests.factories import CompanyFactory, ContactFactory, CustomPropertyFactory
from tests.forms.factories import FormFactory, FormFieldFactory, answers


def submit(form, **values):
    return form_submit(
        form=form, data=answers(form, **values), ip_address="203.0.113.9", user_agent="Test browser"
    )


def test_it_creates_a_lead_with_the_answers(db):
    form = FormFactory(name="Contact us")

    outcome = submit(form, email=" Ada@Example.org ", first_name="Ada", last_name="Lovelace")

    contact = Contact.objects.get()
    assert outcome.created
    assert (contact.email, contact.first_name, contact.last_name) == ("ada@example.org", "Ada", "Lovelace")
    assert contact.lifecycle_stage == LifecycleStage.LEAD
    submission = FormSubmission.objects.get()
    assert submission.contact == contact
    assert submission.values == {"email": "Ada@Example.org", "first_name": "Ada", "last_name": "Lovelace"}
    assert (submission.ip_address, submission.user_agent) == ("203.0.113.9", "Test browser")


def test_it_writes_the_submission_on_the_timeline(db):
    form = FormFactory(name="Request a demo")

    submit(form, ll_page="https://www.example.com/demo?utm_source=google&utm_medium=cpc&utm_campaign=spring")

    entry = Activity.objects.get(kind=Kind.FORM_SUBMITTED)
    assert entry.contact == Contact.objects.get()
    assert entry.title == "Request a demo"
    assert (entry.source, entry.medium, entry.campaign) == ("google", "cpc", "spring")
    assert entry.url.startswith("https://www.example.com/demo")
    assert entry.data["values"]["first_name"] == "Ada"


def test_sign_up_forms_make_subscribers(db):
    form = FormFactory(kind=FormKind.NEWSLETTER)

    submit(form)

    assert Contact.objects.get().lifecycle_stage == LifecycleStage.SUBSCRIBER


def test_an_enquiry_moves_a_subscriber_forward_but_never_a_customer_back(db):
    subscriber = ContactFactory(email="sub@example.org", lifecycle_stage=LifecycleStage.SUBSCRIBER)
    customer = ContactFactory(email="customer@example.org", lifecycle_stage=LifecycleStage.CUSTOMER)
    form = FormFactory()

    submit(form, email="sub@example.org")
    submit(form, email="customer@example.org")

    subscriber.refresh_from_db()
    customer.refresh_from_db()
    assert subscriber.lifecycle_stage == LifecycleStage.LEAD
    assert customer.lifecycle_stage == LifecycleStage.CUSTOMER


def test_it_fills_blanks_of_an_existing_contact_and_never_overwrites(db):
    company = CompanyFactory(name="Initech")
    contact = ContactFactory(
        email="ada@example.org", first_name="Augusta", last_name="", company=company,
        original_source=Source.EVENT, original_source_detail="Expo 2024",
    )  # fmt: skip
    form = FormFactory()

    submit(form, email="ada@example.org", first_name="Ada", last_name="Lovelace", company="Other Corp")

    contact.refresh_from_db()
    assert Contact.objects.count() == 1
    assert (contact.first_name, contact.last_name) == ("Augusta", "Lovelace")
    assert contact.company == company
    assert (contact.original_source, contact.original_source_detail) == (Source.EVENT, "Expo 2024")
    assert not Company.objects.filter(name="Other Corp").exists()


def test_a_blank_answer_never_blanks_a_stored_value(db):
    contact = ContactFactory(email="ada@example.org", first_name="Ada", last_name="Lovelace")
    form = FormFactory()

    submit(form, email="ada@example.org", first_name="", last_name="   ")

    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name) == ("Ada", "Lovelace")


def test_a_typed_company_is_matched_by_name_or_created_with_the_work_domain(db):
    existing = CompanyFactory(name="Initech", domain="initech.example")
    form = FormFactory()

    submit(form, email="peter@initech.example", company="INITECH")
    submit(form, email="bill@globex.example", company="Globex Corporation")
    submit(form, email="someone@gmail.com", company="Hooli")

    assert Contact.objects.get(email="peter@initech.example").company == existing
    globex = Contact.objects.get(email="bill@globex.example").company
    assert (globex.name, globex.domain) == ("Globex Corporation", "globex.example")
    hooli = Contact.objects.get(email="someone@gmail.com").company
    assert (hooli.name, hooli.domain) == ("Hooli", None)


def test_custom_property_fields_fill_the_contacts_properties(db):
    CustomPropertyFactory(key="budget", label="Budget", type=PropertyType.CHOICE, choices=["Small", "Large"])
    CustomPropertyFactory(key="seats", label="Seats", type=PropertyType.NUMBER)
    form = FormFactory()
    FormFieldFactory(form=form, target="property:budget", label="Budget")
    FormFieldFactory(form=form, target="property:seats", label="Seats")

    submit(form, p_budget="Large", p_seats="25")

    assert Contact.objects.get().properties == {"budget": "Large", "seats": 25}


def test_a_property_deleted_after_the_form_was_built_is_skipped(db):
    prop = CustomPropertyFactory(key="budget", label="Budget")
    form = FormFactory()
    FormFieldFactory(form=form, target="property:budget", label="Budget", required=True)
    prop.delete()

    submit(form, p_budget="ignored")

    assert Contact.objects.get().properties == {}


def test_country_names_and_codes_become_codes(db):
    form = FormFactory()
    FormFieldFactory(form=form, target="country", label="Country")

    submit(form, email="a@example.org", country="Germany")
    submit(form, email="b@example.org", country="gb")

    assert dict(Contact.objects.values_list("email", "country")) == {
        "a@example.org": "DE",
        "b@example.org": "GB",
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "ada@example"}, "email"),
        ({"email": "ada@@example.org"}, "email"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"first_name": "x" * 6000}, "first_name"),
        ({"phone": "call me maybe"}, "phone"),
        ({"country": "Atlantis"}, "country"),
    ],
)
def test_bad_answers_are_refused_with_a_message_for_the_field(db, values, field):
    form = FormFactory()
    FormFieldFactory(form=form, target="phone", label="Phone")
    FormFieldFactory(form=form, target="country", label="Country")

    with pytest.raises(ValidationError) as caught:
        submit(form, **values)

    assert field in caught.value.message_dict
    assert not Contact.objects.exists() and not FormSubmission.objects.exists()


def test_required_fields_must_be_answered(db):
    form = FormFactory()
    FormField.objects.filter(form=form, target="last_name").update(required=True, label="Surname")

    with pytest.raises(ValidationError) as caught:
        submit(form, last_name="  ")

    assert caught.value.message_dict == {"last_name": ["Surname is required."]}


@pytest.mark.parametrize("value", [["Ada", "Grace"], {"name": "Ada"}, True, None])
def test_answers_of_the_wrong_type_are_refused(db, value):
    form = FormFactory()
    data = answers(form)
    data["first_name"] = value

    if value is None:
        form_submit(form=form, data=data)
        assert Contact.objects.get().first_name == ""
        return
    with pytest.raises(ValidationError) as caught:
        form_submit(form=form, data=data)
    assert caught.value.message_dict == {"first_name": ["Enter text here."]}


def test_the_reply_is_queued_with_the_submission_and_sent_after_commit(
    db, django_capture_on_commit_callbacks, mailoutbox
):
    form = FormFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(form)
    assert FormEmail.objects.get().state == FormEmail.State.QUEUED
    assert mailoutbox == []

    for callback in callbacks:
        callback()

    assert FormEmail.objects.get().state == FormEmail.State.SENT
    assert [message.to for message in mailoutbox] == [["ada@example.org"]]
