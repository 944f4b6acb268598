"""Changing someone's role, without ever leaving the workspace without an admin."""

from leadline.accounts.models import Role
from leadline.core.models import AuditEntry
from tests.conftest import client_for
from tests.factories import UserFactory


def test_it_changes_a_role_and_audits_it(alice, sam):
    page = client_for(alice).get(f"/settings/people/{sam.public_id}/")
    assert page.status_code == 200
    assert b"Save role" in page.content
    response = client_for(alice).post(f"/settings/people/{sam.public_id}/", {"role": "marketing"})
    assert response.status_code == 302
    sam.refresh_from_db()
    assert sam.role == Role.MARKETING
    entry = AuditEntry.objects.get(action="user.role_changed")
    assert entry.actor == alice
    assert entry.object_id == str(sam.public_id)


def test_it_refuses_to_demote_the_last_admin(alice):
    response = client_for(alice).post(f"/settings/people/{alice.public_id}/", {"role": "sales"})
    assert response.status_code == 400
    assert b"at least one active admin" in response.content
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN


def test_it_lets_an_admin_step_down_when_another_admin_remains(alice):
    UserFactory(role=Role.ADMIN)
    response = client_for(alice).post(f"/settings/people/{alice.public_id}/", {"role": "sales"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.role == Role.SALES
    assert client_for(alice).get("/settings/people/").status_code == 403


def test_it_takes_admin_rights_from_a_demoted_superuser(alice):
    boss = UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True)
    client_for(alice).post(f"/settings/people/{boss.public_id}/", {"role": "sales"})
    boss.refresh_from_db()
    assert not boss.is_admin
    assert client_for(boss).get("/settings/people/").status_code == 403


def test_it_refuses_an_unknown_role(alice, sam):
    response = client_for(alice).post(f"/settings/people/{sam.public_id}/", {"role": "owner"})
    assert response.status_code == 400
    sam.refresh_from_db()
    assert sam.role == Role.SALES


def test_it_does_not_let_sales_change_roles(sam, tess):
    response = client_for(sam).post(f"/settings/people/{tess.public_id}/", {"role": "admin"})
    assert response.status_code == 403
    tess.refresh_from_db()
    assert tess.role == Role.SALES
