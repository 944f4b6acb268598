"""Notes on the timeline: add, edit and delete, with htmx and without, and who may do what."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity, Kind
from leadline.activity.services import note_add
from leadline.core.models import AuditEntry
from tests.activity.html import live_scripts, parse_elements
from tests.conftest import client_for
from tests.factories import ActivityFactory, ContactFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def add_url(contact) -> str:
    return f"/contacts/{contact.public_id}/notes/"


def edit_url(note) -> str:
    return f"/notes/{note.public_id}/edit/"


def delete_url(note) -> str:
    return f"/notes/{note.public_id}/delete/"


@pytest.fixture
def sams_contact(sam):
    return ContactFactory(owner=sam)


def test_it_adds_a_note_and_returns_a_fresh_composer_and_the_entry(sam, sams_contact):
    response = client_for(sam).post(add_url(sams_contact), {"body": "Called, **keen** on the demo"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    note = Activity.objects.get(kind=Kind.NOTE)
    assert note.actor == sam and note.data["body"] == "Called, **keen** on the demo"
    assert 'id="note-composer"' in body
    assert 'hx-swap-oob="afterbegin:#timeline-items"' in body
    assert "<strong>keen</strong>" in body
    assert f'id="activity-{note.public_id}"' in body


def test_it_adds_a_note_without_javascript_and_goes_back_to_the_contact(sam, sams_contact):
    response = client_for(sam).post(add_url(sams_contact), {"body": "Plain form post"})
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{sams_contact.public_id}/"
    assert Activity.objects.filter(kind=Kind.NOTE, data__body="Plain form post").exists()


@pytest.mark.parametrize(
    ("text", "message"), [("   ", "A note needs some text."), ("x" * 20_001, "limited to 20,000")]
)
def test_it_shows_the_error_in_the_composer_and_keeps_the_text(sam, sams_contact, text, message):
    response = client_for(sam).post(add_url(sams_contact), {"body": text}, **HTMX)
    body = response.content.decode()
    assert message in body
    assert 'id="note-composer"' in body
    assert "hx-swap-oob" not in body
    assert not Activity.objects.filter(kind=Kind.NOTE).exists()


def test_without_javascript_an_empty_note_comes_back_as_a_message(sam, sams_contact):
    response = client_for(sam).post(add_url(sams_contact), {"body": ""}, follow=True)
    assert "A note needs some text." in response.content.decode()


def test_script_and_javascript_links_in_a_note_never_render_live(sam, sams_contact):
    hostile = "<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)> [ok](https://example.com)"
    client_for(sam).post(add_url(sams_contact), {"body": hostile}, **HTMX)
    for url in (f"/contacts/{sams_contact.public_id}/", f"/contacts/{sams_contact.public_id}/timeline/", "/"):
        body = client_for(sam).get(url).content.decode()
        assert live_scripts(body) == []
        assert "<script>alert(1)</script>" not in body
    page = client_for(sam).get(f"/contacts/{sams_contact.public_id}/").content.decode()
    links = [
        attrs
        for tag, attrs in parse_elements(page)
        if tag == "a" and attrs.get("href") == "https://example.com"
    ]
    assert links and links[0]["rel"] == "nofollow noopener noreferrer"


def test_the_outsider_cannot_add_a_note_to_sams_contact(oscar, sams_contact):
    assert client_for(oscar).post(add_url(sams_contact), {"body": "sneaky"}, **HTMX).status_code == 404
    assert not Activity.objects.filter(kind=Kind.NOTE).exists()


def test_anonymous_visitors_cannot_add_notes(client, sams_contact):
    assert client.post(add_url(sams_contact), {"body": "x"}).status_code == 302
    assert not Activity.objects.filter(kind=Kind.NOTE).exists()


def test_adding_needs_a_post(sam, sams_contact):
    assert client_for(sam).get(add_url(sams_contact)).status_code == 405


def test_the_author_edits_their_note_inline(sam, sams_contact):
    note = note_add(contact=sams_contact, author=sam, body="First draft")
    client = client_for(sam)
    editor = client.get(edit_url(note), **HTMX)
    assert editor.status_code == 200
    assert "First draft</textarea>" in editor.content.decode()

    response = client.post(edit_url(note), {"body": "Second _draft_"}, **HTMX)

    assert response.status_code == 200
    assert "<em>draft</em>" in response.content.decode()
    assert "edited" in response.content.decode()
    note.refresh_from_db()
    assert note.data["body"] == "Second _draft_"
    assert "edited_at" in note.data


def test_cancel_puts_the_note_back(sam, sams_contact):
    note = note_add(contact=sams_contact, author=sam, body="Keep me")
    response = client_for(sam).get(f"/notes/{note.public_id}/", **HTMX)
    assert "Keep me" in response.content.decode()


def test_editing_without_javascript_uses_a_page(sam, sams_contact):
    note = note_add(contact=sams_contact, author=sam, body="Draft")
    client = client_for(sam)
    page = client.get(edit_url(note))
    assert page.status_code == 200 and "<html" in page.content.decode()
    bad = client.post(edit_url(note), {"body": ""})
    assert bad.status_code == 400 and "A note needs some text." in bad.content.decode()
    good = client.post(edit_url(note), {"body": "Final"})
    assert good.status_code == 302
    note.refresh_from_db()
    assert note.data["body"] == "Final"


def test_an_empty_edit_is_refused_and_the_note_kept(sam, sams_contact):
    note = note_add(contact=sams_contact, author=sam, body="Original")
    response = client_for(sam).post(edit_url(note), {"body": "  "}, **HTMX)
    assert "A note needs some text." in response.content.decode()
    note.refresh_from_db()
    assert note.data["body"] == "Original"


def test_a_teammate_cannot_edit_or_delete_someone_elses_note(sam, tess, sams_contact):
    note = note_add(contact=sams_contact, author=sam, body="Sam's words")
    client = client_for(tess)
    assert client.get(edit_url(note), **HTMX).status_code == 404
    assert client.post(edit_url(note), {"body": "Tess's words"}, **HTMX).status_code == 404
    assert client.post(delete_url(note), **HTMX).status_code == 404
    note.refresh_from_db()
    assert note.data["body"] == "Sam's words"


def test_edit_and_delete_buttons_show_only_for_notes_you_may_change(sam, tess, sams_contact):
    note_add(contact=sams_contact, author=sam, body="Sam's words")
    url = f"/contacts/{sams_contact.public_id}/timeline/"
    assert "Edit this note" in client_for(sam).get(url).content.decode()
    assert "Edit this note" not in client_for(tess).get(url).content.decode()


def test_an_admin_may_edit_and_delete_any_note_and_it_is_audited(alice, sam, sams_contact):
    note = note_add(contact=sams_contact, author=sam, body="Sam's words")
    client = client_for(alice)
    assert client.post(edit_url(note), {"body": "Moderated"}, **HTMX).status_code == 200
    assert client.post(delete_url(note), **HTMX).status_code == 200
    assert not Activity.objects.filter(pk=note.pk).exists()
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {"note.edited", "note.deleted"}


def test_the_author_deletes_their_note(sam, sams_contact):
    note = note_add(contact=sams_contact, author=sam, body="Oops")
    response = client_for(sam).post(delete_url(note), **HTMX)
    assert response.status_code == 200
    assert response.content == b""
    assert not Activity.objects.filter(pk=note.pk).exists()
    assert not AuditEntry.objects.filter(action="note.deleted").exists()


def test_deleting_asks_for_confirmation(sam, sams_contact):
    note_add(contact=sams_contact, author=sam, body="Oops")
    body = client_for(sam).get(f"/contacts/{sams_contact.public_id}/timeline/").content.decode()
    assert 'hx-confirm="Delete this note? This cannot be undone."' in body


def test_deleting_without_javascript_redirects_with_a_message(sam, sams_contact):
    note = note_add(contact=sams_contact, author=sam, body="Oops")
    response = client_for(sam).post(delete_url(note), follow=True)
    assert "Note deleted." in response.content.decode()


def test_only_notes_can_be_edited_or_deleted(alice, sams_contact):
    entry = ActivityFactory(contact=sams_contact, kind=Kind.STAGE_CHANGED, actor=alice)
    client = client_for(alice)
    assert client.get(edit_url(entry)).status_code == 404
    assert client.post(delete_url(entry)).status_code == 404
    assert Activity.objects.filter(pk=entry.pk).exists()


def test_deleting_needs_a_post(sam, sams_contact):
    note = note_add(contact=sams_contact, author=sam, body="Stay")
    assert client_for(sam).get(delete_url(note)).status_code == 405
    assert Activity.objects.filter(pk=note.pk).exists()


@pytest.mark.parametrize("bad", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_notes_are_404(sam, bad):
    assert client_for(sam).get(f"/notes/{bad}/edit/").status_code == 404
