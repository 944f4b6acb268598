"""The tasks panel of the contact page: open tasks, quick add, log a call or a meeting."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from leadline.sales.models import Task
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.sales.factories import TaskFactory

HTMX = {"HX-Request": "true"}


def panel_url(contact):
    return reverse("sales:contact_tasks", args=[contact.public_id])


def test_it_is_a_fragment_with_the_open_tasks_of_the_contact(sam, tess):
    ada = ContactFactory(owner=sam, first_name="Ada")
    TaskFactory(title="Call Ada", assigned_to=sam, contact=ada, due_at=timezone.now() + timedelta(hours=1))
    TaskFactory(title="Tess emails Ada", assigned_to=tess, contact=ada)
    TaskFactory(title="Done already", assigned_to=sam, contact=ada, completed_at=timezone.now())
    TaskFactory(title="Another contact", assigned_to=sam, contact=ContactFactory(owner=sam))

    response = client_for(sam).get(panel_url(ada), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<section class="card contact-tasks"' in html and "<html" not in html
    assert "Call Ada" in html and "Tess emails Ada" in html
    assert "Done already" not in html and "Another contact" not in html
    assert reverse("sales:log_call", args=[ada.public_id]) in html
    assert reverse("sales:log_meeting", args=[ada.public_id]) in html


def test_without_htmx_it_is_a_page(sam):
    ada = ContactFactory(owner=sam)

    html = client_for(sam).get(panel_url(ada)).content.decode()

    assert "<html" in html and "contact-tasks" in html


def test_it_shows_an_empty_state(sam):
    html = (
        client_for(sam)
        .get(panel_url(ContactFactory(owner=sam, first_name="Ada")), headers=HTMX)
        .content.decode()
    )
    assert "No open tasks for Ada" in html


def test_it_links_to_the_rest_when_there_are_many(sam):
    ada = ContactFactory(owner=sam)
    TaskFactory.create_batch(25, assigned_to=sam, contact=ada)

    html = client_for(sam).get(panel_url(ada), headers=HTMX).content.decode()

    assert html.count("data-task-row") == 20
    assert f"?contact={ada.public_id}" in html and "All 25 open tasks" in html


def test_quick_add_through_htmx_answers_with_the_panel(sam):
    ada = ContactFactory(owner=sam)

    response = client_for(sam).post(panel_url(ada), {"title": "Send the deck", "kind": "email"}, headers=HTMX)

    task = Task.objects.get()
    assert (task.title, task.contact, task.assigned_to) == ("Send the deck", ada, sam)
    assert response.status_code == 200
    assert "Send the deck" in response.content.decode()


def test_quick_add_without_htmx_goes_back_to_the_contact(sam):
    ada = ContactFactory(owner=sam)

    response = client_for(sam).post(panel_url(ada), {"title": "Send the deck", "kind": "email"})

    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[ada.public_id])


def test_quick_add_explains_bad_input(sam):
    ada = ContactFactory(owner=sam)

    htmx = client_for(sam).post(panel_url(ada), {"title": "", "kind": "todo"}, headers=HTMX)
    plain = client_for(sam).post(panel_url(ada), {"title": "x" * 300, "kind": "todo"})

    assert htmx.status_code == 200 and "This field is required." in htmx.content.decode()
    assert plain.status_code == 400
    assert not Task.objects.exists()


def test_a_hidden_contact_is_a_404(sam, oscar):
    hidden = ContactFactory(owner=oscar)

    assert client_for(sam).get(panel_url(hidden), headers=HTMX).status_code == 404
    assert client_for(sam).post(panel_url(hidden), {"title": "Peek", "kind": "todo"}).status_code == 404
    assert not Task.objects.exists()


def test_it_queries_a_constant_number_of_times(sam, django_assert_max_num_queries):
    ada = ContactFactory(owner=sam)
    TaskFactory.create_batch(15, assigned_to=sam, contact=ada)
    client = client_for(sam)

    with django_assert_max_num_queries(12):
        client.get(panel_url(ada), headers=HTMX)


def test_the_contact_picker_suggests_contacts_i_can_see(sam, oscar):
    ContactFactory(owner=sam, first_name="Adelaide", email="adelaide@example.org")
    ContactFactory(owner=oscar, first_name="Adam", email="adam@example.org")

    html = client_for(sam).get(reverse("sales:task_contact_options"), {"contact": "ad"}).content.decode()

    assert 'value="adelaide@example.org"' in html
    assert "adam@example.org" not in html


def test_the_contact_picker_needs_two_letters(sam):
    ContactFactory(owner=sam, first_name="Ada")
    html = client_for(sam).get(reverse("sales:task_contact_options"), {"contact": "a"}).content.decode()
    assert "<option" not in html
