"""Deactivating people who left, and bringing them back."""

from leadline.accounts.models import Role
from leadline.accounts.services import api_token_authenticate
from leadline.core.models import AuditEntry
from tests.accounts.factories import make_token
from tests.conftest import client_for
from tests.factories import UserFactory


def test_it_deactivates_someone_who_is_then_signed_out_and_their_tokens_stop(alice, sam):
    sams_session = client_for(sam)
    assert sams_session.get("/settings/").status_code == 200
    _token, secret = make_token(sam)

    response = client_for(alice).post(f"/settings/people/{sam.public_id}/deactivate/")
    assert response.status_code == 302
    sam.refresh_from_db()
    assert sam.is_active is False
    assert sams_session.get("/settings/").status_code == 302
    assert api_token_authenticate(secret) is None
    assert AuditEntry.objects.filter(action="user.deactivated", actor=alice).exists()


def test_it_does_not_let_an_admin_deactivate_themself(alice):
    UserFactory(role=Role.ADMIN)
    response = client_for(alice).post(f"/settings/people/{alice.public_id}/deactivate/", follow=True)
    assert b"cannot deactivate yourself" in response.content
    alice.refresh_from_db()
    assert alice.is_active


def test_it_lets_an_admin_deactivate_another_admin(alice):
    other_admin = UserFactory(role=Role.ADMIN)
    client_for(alice).post(f"/settings/people/{other_admin.public_id}/deactivate/")
    other_admin.refresh_from_db()
    assert other_admin.is_active is False
    # alice is now the only admin and still cannot switch herself off.
    client_for(alice).post(f"/settings/people/{alice.public_id}/deactivate/")
    alice.refresh_from_db()
    assert alice.is_active


def test_it_reactivates_someone(alice, sam):
    sam.is_active = False
    sam.save()
    page = client_for(alice).get(f"/settings/people/{sam.public_id}/")
    assert b"Reactivate" in page.content
    client_for(alice).post(f"/settings/people/{sam.public_id}/reactivate/")
    sam.refresh_from_db()
    assert sam.is_active
    assert AuditEntry.objects.filter(action="user.reactivated").exists()


def test_it_asks_for_confirmation_before_deactivating(alice, sam):
    page = client_for(alice).get(f"/settings/people/{sam.public_id}/").content.decode()
    assert 'data-confirm="Deactivate Sam Seller?' in page
