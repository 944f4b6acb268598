"""Admin-only services refuse other roles whoever calls them (UI, API or command line)."""

import pytest

from leadline.accounts import services
from leadline.accounts.models import Invitation, Role
from leadline.core.access import PermissionDeniedForRole
from tests.accounts.factories import InvitationFactory, make_token


@pytest.mark.parametrize("persona", ["maria", "sam"])
def test_it_refuses_admin_services_to_other_roles(persona, personas, north_team):
    actor, tess = personas[persona], personas["tess"]
    invitation = InvitationFactory()
    calls = [
        lambda: services.user_invite(email="x@example.com", role=Role.SALES, actor=actor),
        lambda: services.invitation_resend(invitation=invitation, actor=actor),
        lambda: services.invitation_revoke(invitation=invitation, actor=actor),
        lambda: services.user_set_role(user=tess, role=Role.ADMIN, actor=actor),
        lambda: services.user_deactivate(user=tess, actor=actor),
        lambda: services.user_reactivate(user=tess, actor=actor),
        lambda: services.team_create(name="Mine", actor=actor),
        lambda: services.team_update(team=north_team, name="Mine", actor=actor),
        lambda: services.team_delete(team=north_team, actor=actor),
        lambda: services.team_set_members(team=north_team, members=[actor], actor=actor),
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedForRole):
            call()
    tess.refresh_from_db()
    assert tess.role == Role.SALES and tess.is_active
    north_team.refresh_from_db()
    assert north_team.name == "North"
    assert Invitation.objects.count() == 1


def test_it_refuses_to_revoke_someone_elses_token_for_a_non_admin(sam, tess):
    token, _secret = make_token(tess)
    with pytest.raises(PermissionDeniedForRole):
        services.api_token_revoke(token=token, actor=sam)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_gives_a_token_every_scope_the_role_allows_when_none_are_named(sam, maria):
    sales_token, _ = services.api_token_create(user=sam, name="CLI")
    marketing_token, _ = services.api_token_create(user=maria, name="CLI")
    assert "settings:write" not in sales_token.scopes
    assert "settings:write" in marketing_token.scopes


def test_an_invitation_into_a_deleted_team_joins_no_team(alice, north_team, client):
    from leadline.accounts.selectors import invitation_token

    invitation = InvitationFactory(team=north_team, invited_by=alice, email="late@example.com")
    services.team_delete(team=north_team, actor=alice)
    password = "Plenty-long-passphrase-7"
    response = client.post(
        f"/invite/{invitation_token(invitation)}/",
        {"first_name": "Late", "last_name": "", "password1": password, "password2": password},
    )
    assert response.status_code == 302
    from leadline.accounts.models import User

    assert not User.objects.get(email="late@example.com").teams.exists()
