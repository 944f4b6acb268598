"""Reads about people, teams, invitations and API tokens."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from leadline.accounts.models import ApiToken, Invitation, Team, User


def teammate_ids_subquery(user: User) -> QuerySet[User, int]:
    """Ids of the user and everyone who shares a team with them, usable as a subquery."""
    return (
        User.objects.filter(Q(pk=user.pk) | Q(teams__members=user))
        .order_by()
        .values_list("id", flat=True)
    )


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
    tokens = ApiToken.objects.select_related("user")
    return tokens if user.is_admin else tokens.filter(user=user)
