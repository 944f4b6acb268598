"""Inviting a teammate by email."""

import re

import pytest

from leadline.accounts.models import Invitation, Role
from leadline.core.models import AuditEntry
from tests.accounts.factories import InvitationFactory
from tests.conftest import client_for
from tests.factories import UserFactory


@pytest.fixture
def send(alice, django_capture_on_commit_callbacks):
    def post(data):
        with django_capture_on_commit_callbacks(execute=True):
            return client_for(alice).post("/settings/people/invite/", data)

    return post


def test_it_shows_the_invite_form(alice, north_team):
    response = client_for(alice).get("/settings/people/invite/")
    assert response.status_code == 200
    assert b"Send invitation" in response.content
    assert b"North" in response.content


def test_it_invites_by_email_with_a_signed_link(send, alice, north_team, mailoutbox, settings):
    settings.BASE_URL = "https://crm.example.com"
    response = send(
        {"email": " New.Person@Example.COM ", "role": "marketing", "team": str(north_team.public_id)}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.team, invitation.invited_by) == (
        "new.person@example.com",
        Role.MARKETING,
        north_team,
        alice,
    )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.person@example.com"]
    assert "Alice Admin" in message.subject
    assert message.content_subtype == "plain"
    link = re.search(r"https://crm\.example\.com/invite/[^/\s]+/", message.body)
    assert link is not None
    assert str(invitation.public_id) not in link.group(0)  # signed and compressed, not the bare id
    assert "North" in message.body
    assert AuditEntry.objects.filter(action="user.invited", actor=alice).exists()


def test_it_refuses_an_email_that_already_has_an_account(send, sam, mailoutbox):
    response = send({"email": "SAM@leadline.test", "role": "sales"})
    assert response.status_code == 400
    assert b"already has a Leadline account" in response.content
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_it_refuses_a_second_pending_invitation_for_the_same_email(send, alice, mailoutbox):
    InvitationFactory(email="twice@example.com", invited_by=alice)
    response = send({"email": "twice@example.com", "role": "sales"})
    assert response.status_code == 400
    assert b"already has a pending invitation" in response.content
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not-an-email", "role": "sales"},
        {"email": "", "role": "sales"},
        {"email": "a@example.com", "role": "owner"},
        {"email": "a@example.com", "role": "sales", "team": "not-a-team"},
        {"email": "a@example.com", "role": "sales", "team": "00000000-0000-4000-8000-000000000000"},
        {"email": "x" * 300 + "@example.com", "role": "sales"},
    ],
)
def test_it_shows_form_errors_for_bad_input(send, data, mailoutbox):
    response = send(data)
    assert response.status_code == 400
    assert b"has-error" in response.content
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_it_does_not_let_marketing_invite(maria, mailoutbox):
    response = client_for(maria).post("/settings/people/invite/", {"email": "x@example.com", "role": "admin"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_it_lists_pending_invitations_on_the_people_page(alice):
    InvitationFactory(email="pending@example.com", invited_by=alice)
    InvitationFactory(email="joined@example.com", invited_by=alice, accepted_at="2026-01-01T00:00:00Z")
    UserFactory(email="joined@example.com")
    response = client_for(alice).get("/settings/people/")
    assert "pending@example.com" in response.content.decode()
    assert [invitation.email for invitation in response.context["invitations"]] == ["pending@example.com"]
