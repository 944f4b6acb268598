"""Reads about people, teams, invitations and API tokens."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from leadline.accounts.models import (
    INVITATION_LIFETIME,
    ApiToken,
    Invitation,
    Scope,
    Team,
    User,
    UserQuerySet,
)
from leadline.core.access import parse_public_id
from leadline.core.signing import BadToken, ExpiredToken, make_token, read_token

INVITATION_TOKEN_PURPOSE = "accounts.invitation"


def teammate_ids_subquery(user: User) -> QuerySet[User, int]:
    """Ids of the user and everyone who shares a team with them, usable as a subquery."""
    return User.objects.filter(Q(pk=user.pk) | Q(teams__members=user)).order_by().values_list("id", flat=True)


def user_list() -> QuerySet[User]:
    return User.objects.prefetch_related("teams").order_by("first_name", "last_name", "email")


def active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "email")


def team_list() -> QuerySet[Team]:
    return Team.objects.prefetch_related("members").order_by("name")


def pending_invitations() -> QuerySet[Invitation]:
    return Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related(
        "team", "invited_by"
    )


def tokens_for_user(user: User) -> QuerySet[ApiToken]:
    """Admins see every token; everyone else only their own."""
    return ApiToken.objects.for_user(user).select_related("user")


# --- Settings screens ------------------------------------------------------------------------------


def has_two_factor(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def people_for_admin(*, user: User, query: str = "") -> QuerySet[User]:
    """Everyone, with teams and whether two-factor is on, in a constant number of queries."""
    people = (
        User.objects.for_user(user, for_edit=True)
        .annotate(
            has_two_factor=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
            )
        )
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("-is_active", "first_name", "last_name", "email")
    )
    query = query.strip()
    if query:
        people = people.filter(
            Q(email__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    return people


def invitations_for_admin(*, user: User) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked (expired ones included, so they can be resent)."""
    return (
        Invitation.objects.for_user(user)
        .pending()
        .select_related("team", "invited_by")
        .order_by("-created_at")
    )


def teams_with_members(*, user: User) -> QuerySet[Team]:
    return (
        Team.objects.for_user(user)
        .annotate(member_count=Count("members", distinct=True))
        .prefetch_related(
            Prefetch("members", queryset=User.objects.order_by("first_name", "last_name", "email"))
        )
        .order_by("name")
    )


def team_members(team: Team) -> UserQuerySet:
    return User.objects.get_queryset().filter(teams=team).order_by("first_name", "last_name", "email")


def team_member_candidates(team: Team) -> QuerySet[User]:
    return active_users().exclude(teams=team)


def tokens_for_settings(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_user(user).select_related("user").order_by("revoked_at", "-created_at")


def scopes_for(user: User) -> list[tuple[str, str]]:
    """The scopes this person may put on a token."""
    allowed = list(Scope.choices)
    if not (user.is_admin or user.is_marketing):
        allowed = [(value, label) for value, label in allowed if value != Scope.SETTINGS_WRITE]
    return allowed


# --- Invitation links ------------------------------------------------------------------------------


class InvitationUnavailable(Exception):
    """The invitation link cannot be used; `reason` says why in words for the page."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def invitation_token(invitation: Invitation) -> str:
    return make_token(str(invitation.public_id), purpose=INVITATION_TOKEN_PURPOSE)


def invitation_url(invitation: Invitation) -> str:
    path = reverse("accounts:invitation_accept", kwargs={"token": invitation_token(invitation)})
    return f"{settings.BASE_URL}{path}"


def invitation_for_token(token: Any) -> Invitation:
    """The open invitation a link points to, or InvitationUnavailable with a reason:
    "invalid", "expired", "revoked", "accepted" or "exists" (the email already has an account)."""
    try:
        value = read_token(token, purpose=INVITATION_TOKEN_PURPOSE, max_age=INVITATION_LIFETIME)
    except ExpiredToken:
        raise InvitationUnavailable("expired") from None
    except BadToken:
        raise InvitationUnavailable("invalid") from None
    public_id = parse_public_id(value)
    invitation = (
        Invitation.objects.select_related("invited_by", "team").filter(public_id=public_id).first()
        if public_id
        else None
    )
    if invitation is None:
        raise InvitationUnavailable("invalid")
    if invitation.status != "pending":
        raise InvitationUnavailable(invitation.status, invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationUnavailable("exists", invitation)
    return invitation
