"""Tasks in a real browser: "my day" worked from the keyboard, and a task done on the contact page
showing up on its timeline at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leadline.sales.models import Task
from tests.factories import ContactFactory
from tests.sales.factories import TaskFactory

pytestmark = pytest.mark.browser


def overdue_count(page):
    return page.locator("#myday-counts .value").first


def test_my_day_is_worked_from_the_keyboard(signed_in_page, admin_user):
    page = signed_in_page
    first = TaskFactory(
        title="Call Grace back", assigned_to=admin_user, due_at=timezone.now() - timedelta(hours=2)
    )
    TaskFactory(title="Send the deck", assigned_to=admin_user, due_at=timezone.now() - timedelta(hours=1))
    page.goto("/tasks/")
    expect(overdue_count(page)).to_have_text("2")

    page.keyboard.press("j")
    expect(page.locator(f"#task-{first.public_id}")).to_be_focused()
    page.keyboard.press("x")

    expect(page.locator(f"#task-{first.public_id}.is-done")).to_be_visible()
    expect(overdue_count(page)).to_have_text("1")
    expect(page.locator(f"#task-{first.public_id}")).to_be_focused()
    assert Task.objects.get(pk=first.pk).completed_at is not None

    page.keyboard.press("x")  # the same key undoes it
    expect(page.locator(f"#task-{first.public_id}:not(.is-done)")).to_be_visible()
    expect(overdue_count(page)).to_have_text("2")

    page.keyboard.press("n")
    page.keyboard.type("Book the venue")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Task added: Book the venue")).to_be_visible()
    expect(page.locator(".task-group-today").get_by_role("link", name="Book the venue")).to_be_visible()


def test_a_task_done_on_the_contact_page_lands_on_its_timeline(signed_in_page, admin_user):
    page = signed_in_page
    grace = ContactFactory(first_name="Grace", last_name="Hopper", owner=admin_user)
    TaskFactory(title="Send Grace the proposal", kind="email", assigned_to=admin_user, contact=grace)
    page.goto(f"/contacts/{grace.public_id}/")
    panel = page.locator("#contact-tasks")
    expect(panel.get_by_role("link", name="Send Grace the proposal")).to_be_visible()

    panel.get_by_role("button", name="Mark “Send Grace the proposal” as done").click()

    expect(page.locator("#timeline").get_by_text("Email done: Send Grace the proposal")).to_be_visible()


def test_a_call_is_logged_from_the_contact_page(signed_in_page, admin_user):
    page = signed_in_page
    grace = ContactFactory(first_name="Grace", last_name="Hopper", owner=admin_user)
    page.goto(f"/contacts/{grace.public_id}/")

    page.locator("#contact-tasks").get_by_role("link", name="Log call").click()
    dialog = page.get_by_role("dialog", name="Log a call with Grace Hopper")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Left a voicemail").check()
    dialog.get_by_label("Duration (minutes)").fill("3")
    dialog.get_by_role("button", name="Log call").click()

    expect(page.get_by_text("Call logged on the timeline.")).to_be_visible()
    expect(page.locator("#timeline").get_by_text("Call · left a voicemail · 3 min")).to_be_visible()
