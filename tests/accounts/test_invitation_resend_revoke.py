"""Resending and revoking invitations that have not been accepted yet."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from leadline.accounts.models import Invitation
from leadline.accounts.selectors import invitation_token
from leadline.core.models import AuditEntry
from tests.accounts.factories import InvitationFactory
from tests.conftest import client_for


def test_it_resends_with_a_fresh_expiry(alice, mailoutbox, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(invited_by=alice, expires_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(f"/settings/invitations/{invitation.public_id}/resend/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [invitation.email]
    assert AuditEntry.objects.filter(action="invitation.resent").exists()


def test_it_does_not_resend_a_revoked_invitation(alice, mailoutbox, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(invited_by=alice, revoked_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            f"/settings/invitations/{invitation.public_id}/resend/", follow=True
        )
    assert b"is revoked" in response.content
    assert mailoutbox == []


def test_it_revokes_so_the_link_stops_working(alice, client):
    invitation = InvitationFactory(invited_by=alice)
    link = f"/invite/{invitation_token(invitation)}/"
    assert client.get(link).status_code == 200
    response = client_for(alice).post(f"/settings/invitations/{invitation.public_id}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    page = client.get(link)
    assert page.status_code == 410
    assert b"withdrawn" in page.content
    assert AuditEntry.objects.filter(action="invitation.revoked").exists()


def test_it_confirms_before_revoking(alice):
    invitation = InvitationFactory(invited_by=alice, email="someone@example.com")
    body = client_for(alice).get("/settings/people/").content.decode()
    assert 'data-confirm="Revoke the invitation to someone@example.com?' in body
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_an_old_link_still_expires_after_seven_days_even_if_the_row_was_extended(alice, client):
    invitation = InvitationFactory(invited_by=alice)
    old_link = f"/invite/{invitation_token(invitation)}/"
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        invitation.expires_at = timezone.now() + timedelta(days=7)
        invitation.save()
        assert client.get(old_link).status_code == 410
        assert client.get(f"/invite/{invitation_token(invitation)}/").status_code == 200
