"""The email API: templates (list, get, create, change, delete), a rendered preview for a contact,
a test send, and the sender identities. Bad input is a 400 in the one error shape, never a 500."""

from __future__ import annotations

import pytest

from leadline.mail.models import Template
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory
from tests.mail.factories import TemplateFactory, TransactionalTemplateFactory, default_layout

pytestmark = pytest.mark.django_db

NEW = {"name": "Welcome", "subject": "Hi {{ first_name }}", "body": "# Welcome\n\nGlad you are here."}


def test_marketing_creates_a_template_in_the_default_layout_and_reads_it_back(maria):
    client = api_as(maria)

    created = client.post("/email/templates", NEW)
    assert created.status_code == 201, created.content
    body = created.json()

    assert (body["kind"], body["format"], body["version"]) == ("marketing", "markdown", 1)
    assert body["layout"] == str(default_layout().public_id)
    assert client.get(f"/email/templates/{body['id']}").json()["subject"] == NEW["subject"]
    assert [item["name"] for item in client.get("/email/templates").json()["items"]] == ["Welcome"]


def test_an_mjml_template_gets_no_layout_unless_asked(maria):
    body = '<mjml><mj-body><mj-text>Hi {{ postal_address }} <a href="{{ unsubscribe_url }}">x</a></mj-text></mj-body></mjml>'

    created = api_as(maria).post("/email/templates", {**NEW, "format": "mjml", "body": body})

    assert created.status_code == 201, created.content
    assert created.json()["layout"] is None


def test_a_marketing_template_without_its_footer_is_a_400_naming_what_is_missing(maria):
    response = api_as(maria).post("/email/templates", {**NEW, "layout": None})

    error = error_of(response)
    assert response.status_code == 400
    assert "unsubscribe link" in error["fields"]["body"][0]
    assert not Template.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW, "kind": "spam"}, "kind"),
        ({**NEW, "format": "docx"}, "format"),
        ({**NEW, "name": 7}, "name"),
        ({**NEW, "subject": "x" * 300}, "subject"),
        ({**NEW, "body": "x" * 200_001}, "body"),
        ({**NEW, "layout": "not-a-uuid"}, "layout"),
        ({**NEW, "layout": "5a7e1e0c-0000-4000-8000-000000000000"}, "layout"),
        ({**NEW, "body": "{{ settings.SECRET_KEY }}"}, "body"),
        ({**NEW, "format": "mjml", "layout": None, "body": "<mjml><mj-body>"}, "body"),
        ({**NEW, "colour": "blue"}, "colour"),
        ({"name": "No subject"}, "subject"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(maria, body, field):
    response = api_as(maria).post("/email/templates", body)

    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"]
    assert not Template.objects.exists()


def test_malformed_json_is_a_400(maria):
    response = api_as(maria).post("/email/templates", raw='{"name": ')

    assert response.status_code == 400 and error_of(response)["code"] == "malformed_json"


def test_a_change_is_checked_and_counts_a_version(maria):
    template = TemplateFactory()
    client = api_as(maria)

    changed = client.patch(f"/email/templates/{template.public_id}", {"subject": "New subject"})
    refused = client.patch(f"/email/templates/{template.public_id}", {"layout": None})

    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert refused.status_code == 400
    template.refresh_from_db()
    assert template.layout == default_layout() and template.subject == "New subject"


def test_delete_removes_the_template(maria):
    template = TemplateFactory()

    assert api_as(maria).delete(f"/email/templates/{template.public_id}").status_code == 204
    assert not Template.objects.exists()


def test_a_preview_renders_for_a_contact_and_sends_nothing(maria, sender, mailoutbox):
    template = TemplateFactory(subject="Hi {{ first_name }}", body="Hello {{ first_name }}")
    ada = ContactFactory(first_name="Ada")

    response = api_as(maria).post(
        f"/email/templates/{template.public_id}/preview", {"contact": str(ada.public_id)}
    )

    body = response.json()
    assert response.status_code == 200
    assert body["subject"] == "Hi Ada" and "Hello Ada" in body["html"] and "Hello Ada" in body["text"]
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mailoutbox == []


def test_sales_preview_transactional_templates_but_not_marketing_ones_or_others_contacts(sam, oscar):
    transactional = TransactionalTemplateFactory(body="Hi {{ first_name }}")
    marketing = TemplateFactory()
    theirs = ContactFactory(owner=oscar)
    client = api_as(sam)

    assert client.post(f"/email/templates/{transactional.public_id}/preview", {}).status_code == 200
    assert client.post(f"/email/templates/{marketing.public_id}/preview", {}).status_code == 404
    refused = client.post(
        f"/email/templates/{transactional.public_id}/preview", {"contact": str(theirs.public_id)}
    )
    assert refused.status_code == 400 and "contact" in error_of(refused)["fields"]
    assert [item["name"] for item in client.get("/email/templates").json()["items"]] == [transactional.name]


def test_a_test_send_goes_out_marked_as_a_test(maria, sender, mailoutbox):
    template = TemplateFactory(subject="Hello")

    response = api_as(maria).post(
        f"/email/templates/{template.public_id}/send-test", {"to": "maria@leadline.test"}
    )

    assert response.status_code == 200 and response.json()["subject"] == "[Test] Hello"
    assert [message.subject for message in mailoutbox] == ["[Test] Hello"]


@pytest.mark.parametrize("to", ["", "nope", "a@x.test\nBcc: b@x.test", "a@x.test, b@x.test"])
def test_a_test_send_to_a_bad_address_is_a_400(maria, sender, mailoutbox, to):
    template = TemplateFactory()

    response = api_as(maria).post(f"/email/templates/{template.public_id}/send-test", {"to": to})

    assert response.status_code == 400 and "to" in error_of(response)["fields"]
    assert mailoutbox == []


def test_the_senders_are_listed_default_first(sam, sender):
    response = api_as(sam).get("/email/senders")

    assert response.status_code == 200
    assert response.json()[0]["from_email"] == sender.from_email and response.json()[0]["is_default"]


def test_the_email_operations_are_in_the_openapi_document(maria):
    document = api_as(maria).client.get("/api/v1/openapi.json").json()

    operations = {
        operation["operationId"]: operation.get("x-required-scope")
        for methods in document["paths"].values()
        for operation in methods.values()
    }
    assert operations["mail_template_list"] == "contacts:read"
    assert operations["mail_template_create"] == "settings:write"
    assert operations["mail_template_preview"] == "contacts:read"
    assert operations["mail_template_send_test"] == "settings:write"
    assert operations["mail_sender_list"] == "contacts:read"
