"""Accepting an invitation from the emailed link: a public page, no sign-in needed."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from leadline.accounts.models import Invitation, Role, User
from leadline.accounts.selectors import invitation_token
from leadline.core.models import AuditEntry
from leadline.core.signing import make_token
from tests.accounts.factories import InvitationFactory
from tests.conftest import client_for
from tests.factories import UserFactory

PASSWORD = "Plenty-long-passphrase-7"
GOOD = {"first_name": "Nina", "last_name": "Newcomer", "password1": PASSWORD, "password2": PASSWORD}


@pytest.fixture
def invitation(alice, north_team):
    return InvitationFactory(email="nina@example.com", role=Role.MARKETING, team=north_team, invited_by=alice)


def link(invitation: Invitation) -> str:
    return f"/invite/{invitation_token(invitation)}/"


def test_it_shows_who_invited_them(client, invitation):
    response = client.get(link(invitation))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alice Admin" in body
    assert "nina@example.com" in body
    assert "Marketing" in body and "North" in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_creates_the_account_signs_in_and_marks_the_invitation_used(client, invitation):
    response = client.post(link(invitation), GOOD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="nina@example.com")
    assert (user.first_name, user.last_name, user.role) == ("Nina", "Newcomer", Role.MARKETING)
    assert user.check_password(PASSWORD)
    assert list(user.teams.values_list("name", flat=True)) == ["North"]
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert client.get("/settings/").status_code == 200
    assert AuditEntry.objects.filter(action="invitation.accepted", actor=user).exists()


def test_it_works_only_once(client, invitation):
    client.post(link(invitation), GOOD)
    again = Client().post(link(invitation), {**GOOD, "first_name": "Intruder"})
    assert again.status_code == 410
    assert b"already used" in again.content
    assert User.objects.filter(email="nina@example.com").count() == 1
    assert User.objects.get(email="nina@example.com").first_name == "Nina"


def test_it_applies_the_password_validators(client, invitation):
    response = client.post(link(invitation), {**GOOD, "password1": "password", "password2": "password"})
    assert response.status_code == 400
    assert b"too common" in response.content or b"too short" in response.content
    assert not User.objects.filter(email="nina@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_it_refuses_a_password_like_the_email(client, invitation):
    response = client.post(
        link(invitation), {**GOOD, "password1": "nina@example.com", "password2": "nina@example.com"}
    )
    assert response.status_code == 400
    assert b"too similar" in response.content


def test_it_refuses_passwords_that_differ(client, invitation):
    response = client.post(link(invitation), {**GOOD, "password2": PASSWORD + "x"})
    assert response.status_code == 400
    assert b"The two passwords differ" in response.content
    assert not User.objects.filter(email="nina@example.com").exists()


def test_it_needs_a_first_name(client, invitation):
    response = client.post(link(invitation), {**GOOD, "first_name": "  "})
    assert response.status_code == 400
    assert not User.objects.exists() or not User.objects.filter(email="nina@example.com").exists()


def test_it_shows_a_clear_page_for_an_expired_link(client, invitation):
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.get(link(invitation))
    assert response.status_code == 410
    assert b"has expired" in response.content


def test_it_shows_a_clear_page_when_the_row_expired_early(client, invitation):
    url = link(invitation)
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    response = client.post(url, GOOD)
    assert response.status_code == 410
    assert not User.objects.filter(email="nina@example.com").exists()


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a" * 3000,
        "<img src=x onerror=alert(1)>",
        "eyJ0ZXN0IjoxfQ:1abcde:forged-signature",
    ],
)
def test_it_shows_a_clear_page_for_a_tampered_link(client, invitation, token):
    response = client.get(f"/invite/{token}/")
    assert response.status_code == 404
    assert b"not valid" in response.content
    assert b"<img src=x" not in response.content


def test_it_refuses_a_link_edited_by_one_character(client, invitation):
    token = invitation_token(invitation)
    edited = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/invite/{edited}/").status_code == 404


def test_it_refuses_a_token_signed_for_another_purpose(client, invitation):
    forged = make_token(str(invitation.public_id), purpose="mail.unsubscribe")
    assert client.get(f"/invite/{forged}/").status_code == 404


def test_it_refuses_a_token_of_a_deleted_invitation(client, invitation):
    url = link(invitation)
    invitation.delete()
    assert client.get(url).status_code == 404


def test_it_says_so_when_the_email_already_has_an_account(client, invitation):
    UserFactory(email="nina@example.com")
    response = client.get(link(invitation))
    assert response.status_code == 410
    assert b"already have an account" in response.content


def test_it_shows_a_hostile_inviter_name_escaped(client, north_team):
    evil = UserFactory(first_name="<script>alert(1)</script>", last_name="", role=Role.ADMIN)
    invitation = InvitationFactory(invited_by=evil)
    body = client.get(link(invitation)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_it_signs_in_as_the_new_person_even_if_someone_else_was_signed_in(invitation, sam):
    client = client_for(sam)
    client.post(link(invitation), GOOD)
    assert client.get("/settings/profile/").context["request"].user.email == "nina@example.com"
