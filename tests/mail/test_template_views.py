"""The template screens: the list with search and pagination, writing, changing, copying and deleting.
Admins and marketing write; sales see only the transactional templates and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadline.mail.forms import STARTERS
from leadline.mail.models import Template
from tests.conftest import client_for
from tests.mail.factories import TemplateFactory, TransactionalTemplateFactory, default_layout

pytestmark = pytest.mark.django_db
LIST = reverse("mail:template_list")


def form_data(**changes):
    data = {
        "name": "Spring offer",
        "kind": "marketing",
        "format": "markdown",
        "layout": str(default_layout().pk),
        "subject": 'Spring is here, {{ first_name | default:"friend" }}',
        "preheader": "Ten percent off until Friday",
        "body": "# Spring is here\n\nHello {{ first_name }}.",
    }
    return {**data, **changes}


def test_the_list_searches_names_and_subjects_and_filters_by_kind(maria):
    TemplateFactory(name="Welcome", subject="Welcome aboard")
    TemplateFactory(name="Newsletter", subject="March news")
    TransactionalTemplateFactory(name="Receipt", subject="Your receipt")
    client = client_for(maria)

    found = client.get(LIST, {"q": "march"}).context["page"].object_list
    transactional = client.get(LIST, {"kind": "transactional"}).context["page"].object_list

    assert [template.name for template in found] == ["Newsletter"]
    assert [template.name for template in transactional] == ["Receipt"]


def test_sales_see_only_transactional_templates(sam):
    TemplateFactory(name="Newsletter")
    TransactionalTemplateFactory(name="Follow-up")

    response = client_for(sam).get(LIST)

    assert [template.name for template in response.context["page"].object_list] == ["Follow-up"]
    assert reverse("mail:template_create") not in response.content.decode()


def test_the_list_has_an_empty_state_for_each_case(maria, sam):
    assert "No email templates yet" in client_for(maria).get(LIST).content.decode()
    assert "Marketing writes the templates" in client_for(sam).get(LIST).content.decode()
    assert "No templates match" in client_for(maria).get(LIST, {"q": "nothing"}).content.decode()


def test_the_list_pages_and_costs_the_same_queries_however_long(maria, django_assert_max_num_queries):
    TemplateFactory.create_batch(3)
    client = client_for(maria)
    client.get(LIST)  # warm up the session and the user
    with django_assert_max_num_queries(8) as few:
        client.get(LIST)
    TemplateFactory.create_batch(60)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)

    assert len(response.context["page"].object_list) == 50
    assert "Page 1 of 2" in response.content.decode()


def test_a_new_template_starts_from_a_starter_in_the_chosen_format(maria):
    response = client_for(maria).get(reverse("mail:template_create"), {"format": "mjml"})

    assert response.context["form"].initial["body"] == STARTERS["mjml"]
    assert response.context["form"].initial["layout"] is None


def test_marketing_writes_a_template(maria):
    response = client_for(maria).post(reverse("mail:template_create"), form_data())

    template = Template.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "mail:template_detail", args=[template.public_id]
    )
    assert (template.created_by, template.updated_by, template.layout) == (maria, maria, default_layout())


def test_a_template_with_problems_is_shown_again_with_the_reasons(maria):
    response = client_for(maria).post(
        reverse("mail:template_create"), form_data(layout="", body="Hi {{ secret }}", format="markdown")
    )

    assert response.status_code == 400
    errors = response.context["form"].errors["body"]
    assert any("{{ secret }} is not a merge tag" in error for error in errors)
    assert not Template.objects.exists()


def test_a_marketing_template_without_a_footer_is_refused_with_what_is_missing(maria):
    response = client_for(maria).post(reverse("mail:template_create"), form_data(layout=""))

    assert response.status_code == 400
    assert "unsubscribe link" in " ".join(response.context["form"].errors["body"])


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "<script>alert(1)</script>"},
        {"subject": '=HYPERLINK("http://evil.example")'},
        {"body": "x" * 200_001},
        {"kind": "nonsense"},
        {"layout": "not-a-number"},
        {"layout": "999999"},
    ],
)
def test_hostile_or_oversize_input_is_a_clear_400_or_saved_as_text(maria, changes):
    response = client_for(maria).post(reverse("mail:template_create"), form_data(**changes))

    assert response.status_code in (302, 400)
    if response.status_code == 302:
        saved = Template.objects.get()
        assert saved.name == changes.get("name", saved.name)
        assert "<script>alert(1)</script>" not in client_for(maria).get(LIST).content.decode()


def test_editing_saves_a_new_version(maria):
    template = TemplateFactory()

    response = client_for(maria).post(
        reverse("mail:template_edit", args=[template.public_id]), form_data(subject="Changed")
    )

    template.refresh_from_db()
    assert response.status_code == 302
    assert (template.subject, template.version) == ("Changed", 2)


def test_sales_cannot_write_change_copy_or_delete(sam):
    template = TransactionalTemplateFactory()
    client = client_for(sam)

    assert client.get(reverse("mail:template_create")).status_code == 403
    assert (
        client.post(reverse("mail:template_edit", args=[template.public_id]), form_data()).status_code == 403
    )
    assert client.post(reverse("mail:template_duplicate", args=[template.public_id])).status_code == 403
    assert client.post(reverse("mail:template_delete", args=[template.public_id])).status_code == 403
    assert Template.objects.count() == 1


def test_duplicate_opens_the_copy_in_the_editor(maria):
    template = TemplateFactory(name="Welcome")

    response = client_for(maria).post(reverse("mail:template_duplicate", args=[template.public_id]))

    copy = Template.objects.exclude(pk=template.pk).get()
    assert copy.name == "Copy of Welcome"
    assert response["Location"] == reverse("mail:template_edit", args=[copy.public_id])


def test_delete_asks_first_and_then_deletes(alice):
    template = TemplateFactory(name="Old news")
    client = client_for(alice)

    page = client.get(reverse("mail:template_detail", args=[template.public_id])).content.decode()
    response = client.post(reverse("mail:template_delete", args=[template.public_id]), follow=True)

    assert 'id="delete-template"' in page and "Delete “Old news”?" in page
    assert not Template.objects.exists()
    assert "“Old news” was deleted." in response.content.decode()


def test_the_delete_url_does_not_answer_get(alice):
    template = TemplateFactory()

    assert (
        client_for(alice).get(reverse("mail:template_delete", args=[template.public_id])).status_code == 405
    )
    assert Template.objects.exists()
