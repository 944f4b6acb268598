"""Previews: the email as a document for a sandboxed iframe under its own strict policy, filled in
with a contact the viewer can see, plus its envelope and plain-text part; the editor's live preview
of unsaved changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.mail.factories import TemplateFactory, TransactionalTemplateFactory, default_layout

pytestmark = pytest.mark.django_db


def preview_url(template, **params):
    return reverse("mail:template_preview", args=[template.public_id]), params


def test_the_preview_is_served_with_a_sandboxing_policy_that_forbids_script(maria, sender):
    template = TemplateFactory(body="Hi {{ first_name }}<script>alert(1)</script>")

    response = client_for(maria).get(*preview_url(template))

    policy = response["Content-Security-Policy"]
    assert response.status_code == 200
    assert "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy
    assert "frame-ancestors 'self'" in policy and response["X-Frame-Options"] == "SAMEORIGIN"
    assert "alert(1)" not in response.content.decode()


def test_the_detail_page_shows_the_preview_in_a_sandboxed_iframe(maria, sender):
    template = TemplateFactory()

    page = client_for(maria).get(reverse("mail:template_detail", args=[template.public_id])).content.decode()

    assert '<iframe name="preview-frame"' in page
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    assert "allow-scripts" not in page and "allow-same-origin" not in page


def test_previewing_as_a_contact_fills_in_their_data(maria, sender):
    template = TemplateFactory(
        subject="Hi {{ first_name }}", body="Hello {{ first_name }} from {{ company }}"
    )
    ada = ContactFactory(first_name="Ada", email="ada@example.org")
    client = client_for(maria)

    document = client.get(*preview_url(template, contact=ada.public_id)).content.decode()
    panel = client.get(
        reverse("mail:template_preview_panel", args=[template.public_id]), {"contact": ada.public_id}
    ).content.decode()

    assert "Hello Ada from" in document
    assert "Hi Ada" in panel and "ada@example.org" in panel and "Hello Ada" in panel  # subject, to, text


def test_the_preview_never_shows_a_real_unsubscribe_link(maria, sender):
    template = TemplateFactory()
    ada = ContactFactory()

    document = client_for(maria).get(*preview_url(template, contact=ada.public_id)).content.decode()

    assert "/u/preview" in document


def test_sales_preview_transactional_templates_as_their_own_contacts_only(sam, oscar):
    template = TransactionalTemplateFactory(body="Hi {{ first_name }}")
    marketing = TemplateFactory()
    own = ContactFactory(owner=sam, first_name="Mine")
    others = ContactFactory(owner=oscar, first_name="Oscars")
    client = client_for(sam)

    assert "Hi Mine" in client.get(*preview_url(template, contact=own.public_id)).content.decode()
    assert client.get(*preview_url(template, contact=others.public_id)).status_code == 404
    assert client.get(*preview_url(marketing)).status_code == 404
    assert client.get(reverse("mail:template_detail", args=[marketing.public_id])).status_code == 404


def test_the_contact_search_finds_only_contacts_you_can_see(sam, oscar):
    ContactFactory(owner=sam, first_name="Adaline", last_name="Mine")
    ContactFactory(owner=oscar, first_name="Adam", last_name="Oscars")

    page = client_for(sam).get(reverse("mail:contact_search"), {"q": "ada"}).content.decode()

    assert "Adaline Mine" in page and "Oscars" not in page


def test_a_hostile_contact_search_is_harmless(maria):
    response = client_for(maria).get(reverse("mail:contact_search"), {"q": "<script>x</script>" * 50})

    assert response.status_code == 200 and "<script>x" not in response.content.decode()


def draft(**changes):
    data = {
        "name": "Draft",
        "kind": "marketing",
        "format": "markdown",
        "layout": str(default_layout().pk),
        "subject": "Hi {{ first_name }}",
        "preheader": "",
        "body": 'Unsaved words for {{ first_name | default:"you" }}',
        "preview_contact": "",
    }
    return {**data, **changes}


def test_the_editor_previews_unsaved_changes(maria, sender):
    ada = ContactFactory(first_name="Ada")
    client = client_for(maria)

    document = client.post(reverse("mail:draft_preview"), draft(preview_contact=str(ada.public_id)))
    panel = client.post(reverse("mail:draft_preview_panel"), draft()).content.decode()

    assert "Unsaved words for Ada" in document.content.decode()
    assert "sandbox" in document["Content-Security-Policy"]
    assert "Unsaved words for you" in panel


def test_the_live_preview_reports_problems_instead_of_failing(maria):
    client = client_for(maria)

    broken_mjml = client.post(reverse("mail:draft_preview"), draft(format="mjml", body="<mjml><mj-body>"))
    panel = client.post(
        reverse("mail:draft_preview_panel"), draft(layout="", body="Hi {{ nope }} and no footer")
    ).content.decode()

    assert broken_mjml.status_code == 200 and "The MJML could not be read" in broken_mjml.content.decode()
    assert "{{ nope }} is not a merge tag" in panel
    assert "Marketing email must include" in panel


def test_only_writers_use_the_live_preview(sam):
    assert client_for(sam).post(reverse("mail:draft_preview"), draft()).status_code == 403
    assert client_for(sam).post(reverse("mail:draft_preview_panel"), draft()).status_code == 403


def test_the_editor_page_has_the_live_preview_wired_up(maria):
    page = client_for(maria).get(reverse("mail:template_create")).content.decode()

    assert 'data-mode="draft"' in page and 'name="preview-frame"' in page
    assert 'formtarget="preview-frame"' in page  # works without script, too
    assert "leadline/mail.js" in page
