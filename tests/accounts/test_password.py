"""Resetting a forgotten password by email and changing it while signed in."""

import re

from leadline.core.models import AuditEntry
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD

NEW_PASSWORD = "A-much-better-passphrase-91"


def test_it_emails_a_reset_link_and_sets_a_new_password(client, alice, mailoutbox):
    page = client.get("/accounts/password/reset/")
    assert page.status_code == 200
    assert b"Reset your password" in page.content

    response = client.post("/accounts/password/reset/", {"email": "alice@leadline.test"})
    assert response.status_code == 302
    done = client.get(response["Location"])
    assert b"Check your email" in done.content
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mailoutbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    form_page = client.get("/" + path, follow=True)
    assert b"Choose a new password" in form_page.content
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else "/" + path,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert b"Your password is changed" in response.content
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_it_shows_a_clear_page_for_a_bad_reset_link(client, alice):
    response = client.get("/accounts/password/reset/key/zz-not-a-real-key/", follow=True)
    assert response.status_code == 200
    assert b"This reset link is not valid" in response.content


def test_it_changes_the_password_of_a_signed_in_person(sam):
    client = client_for(sam)
    page = client.get("/accounts/password/change/")
    assert page.status_code == 200
    assert b"Change password" in page.content
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    sam.refresh_from_db()
    assert sam.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="user.password_changed", actor=sam).exists()


def test_it_refuses_a_change_without_the_current_password(sam):
    client = client_for(sam)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "wrong-password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert b"has-error" in response.content
    sam.refresh_from_db()
    assert sam.check_password(DEFAULT_PASSWORD)


def test_it_refuses_a_short_new_password(sam):
    client = client_for(sam)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": "short", "password2": "short"},
    )
    assert response.status_code == 200
    assert b"too short" in response.content
    sam.refresh_from_db()
    assert sam.check_password(DEFAULT_PASSWORD)


def test_it_sends_anonymous_visitors_from_password_change_to_sign_in(client, db):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
