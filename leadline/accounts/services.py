"""Writes for people, teams, invitations and API tokens.

Security-relevant changes (roles, access, invitations, tokens, teams) are written to the audit log.
Services that only an admin may perform check the actor themselves, so every caller (the UI, the
API, the command line) gets the same rule.
"""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from leadline.accounts.models import INVITATION_LIFETIME, ApiToken, Invitation, Role, Scope, Team, User
from leadline.core.access import PermissionDeniedForRole
from leadline.core.services import audit_record

TOKEN_PREFIX = "ll_"


def admin_create_or_update(*, email: str, password: str) -> tuple[User, bool]:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"{email!r} is not a valid email address.") from None
    user = User.objects.filter(email=email).first()
    validate_password(password, user=user)
    created = user is None
    if user is None:
        user = User.objects.create_superuser(email=email, password=password)
    else:
        user.set_password(password)
        user.role = Role.ADMIN
        user.is_active = True
        user.is_staff = True
        user.is_superuser = True
        user.save()
    return user, created


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, scopes: list[str] | None = None, actor: Any = None
) -> tuple[ApiToken, str]:
    """Create a token; returns (token, secret). The secret is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name so you can recognise it later."})
    may_write_settings = user.is_admin or user.is_marketing
    if scopes:
        chosen = list(dict.fromkeys(scopes))
    else:
        # No scopes asked for: everything this person's role may hold.
        chosen = [scope for scope in Scope.values if may_write_settings or scope != Scope.SETTINGS_WRITE]
    unknown = [scope for scope in chosen if scope not in Scope.values]
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope(s): {', '.join(unknown)}."})
    if Scope.SETTINGS_WRITE in chosen and not may_write_settings:
        raise ValidationError({"scopes": "Only admins and marketing can hold settings:write."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:120],
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            digest=token_digest(secret),
            scopes=chosen,
        )
        audit_record(actor=actor or user, action="token.created", target=token, summary=token.name)
    return token, secret


def api_token_authenticate(secret: str) -> ApiToken | None:
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Writing on every request would serialise API traffic on one row; a minute's precision is enough.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, token: ApiToken, actor: Any) -> ApiToken:
    if not (getattr(actor, "is_admin", False) or getattr(actor, "pk", None) == token.user_id):
        raise PermissionDeniedForRole("Only admins may revoke other people's tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, action="token.revoked", target=token, summary=token.name)
    return token


# --- Profile ---------------------------------------------------------------------------------------


def time_zone_is_valid(name: str) -> bool:
    return bool(name) and name in zoneinfo.available_timezones()


def profile_update(*, user: User, first_name: str, last_name: str, time_zone: str, is_away: bool) -> User:
    first_name, last_name, time_zone = first_name.strip(), last_name.strip(), time_zone.strip()
    if not time_zone_is_valid(time_zone):
        raise ValidationError({"time_zone": f"{time_zone!r} is not a time zone Leadline knows."})
    user.first_name = first_name[:150]
    user.last_name = last_name[:150]
    user.time_zone = time_zone
    user.is_away = is_away
    user.save(update_fields=["first_name", "last_name", "time_zone", "is_away"])
    return user


# --- People ----------------------------------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if not getattr(actor, "is_admin", False):
        raise PermissionDeniedForRole("Only admins manage people and teams.")


def _is_last_admin(user: User) -> bool:
    return user.is_admin and not User.objects.get_queryset().admins().exclude(pk=user.pk).exists()


def user_set_role(*, user: User, role: str, actor: User) -> User:
    _require_admin(actor)
    if role not in Role.values:
        raise ValidationError({"role": f"{role!r} is not a role."})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if role != Role.ADMIN and _is_last_admin(user):
            raise ValidationError(
                {"role": "Leadline needs at least one active admin; promote someone else first."}
            )
        previous = user.role
        user.role = role
        # Superuser status would keep admin rights after a demotion; the role alone decides.
        if role != Role.ADMIN:
            user.is_superuser = False
            user.is_staff = False
        user.save(update_fields=["role", "is_superuser", "is_staff"])
        if previous != role:
            audit_record(
                actor=actor,
                action="user.role_changed",
                target=user,
                summary=f"{user.email}: {previous} → {role}",
                previous=previous,
                role=role,
            )
    return user


def user_deactivate(*, user: User, actor: User) -> User:
    """Deactivated people cannot sign in, their sessions end and their API tokens stop working."""
    _require_admin(actor)
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate yourself; ask another admin.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if _is_last_admin(user):
            raise ValidationError("Leadline needs at least one active admin.")
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit_record(actor=actor, action="user.deactivated", target=user, summary=user.email)
    return user


def user_reactivate(*, user: User, actor: User) -> User:
    _require_admin(actor)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="user.reactivated", target=user, summary=user.email)
    return user


# --- Invitations -----------------------------------------------------------------------------------


def _normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    return email


def _send_invitation_after_commit(invitation: Invitation) -> None:
    from leadline.accounts.tasks import invitation_email_send

    invitation_id = invitation.pk
    transaction.on_commit(lambda: invitation_email_send.enqueue(invitation_id))


def user_invite(*, email: str, role: str, actor: User, team: Team | None = None) -> Invitation:
    """Invite a teammate by email; they get a signed link valid for seven days."""
    _require_admin(actor)
    email = _normalise_email(email)
    if role not in Role.values:
        raise ValidationError({"role": f"{role!r} is not a role."})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"{email} already has a Leadline account."})
    with transaction.atomic():
        pending = Invitation.objects.pending().filter(email__iexact=email, expires_at__gt=timezone.now())
        if pending.exists():
            raise ValidationError(
                {"email": f"{email} already has a pending invitation; resend it from the list instead."}
            )
        invitation = Invitation.objects.create(
            email=email,
            role=role,
            team=team,
            invited_by=actor,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        audit_record(
            actor=actor, action="user.invited", target=invitation, summary=f"{email} as {role}", role=role
        )
        _send_invitation_after_commit(invitation)
    return invitation


def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """Send a fresh link and give the invitation another seven days."""
    _require_admin(actor)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ValidationError(
            f"The invitation to {invitation.email} is {invitation.status}; it cannot be resent."
        )
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(f"{invitation.email} already has a Leadline account.")
    with transaction.atomic():
        invitation.expires_at = timezone.now() + INVITATION_LIFETIME
        invitation.save(update_fields=["expires_at", "updated_at"])
        audit_record(actor=actor, action="invitation.resent", target=invitation, summary=invitation.email)
        _send_invitation_after_commit(invitation)
    return invitation


def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    _require_admin(actor)
    if invitation.accepted_at is not None:
        raise ValidationError(f"{invitation.email} has already joined; deactivate the account instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, action="invitation.revoked", target=invitation, summary=invitation.email)
    return invitation


def invitation_accept(*, invitation: Invitation, first_name: str, last_name: str, password: str) -> User:
    """Create the invited person's account with the role and team they were invited with.

    The row is locked so that two submissions of the same link create one account at most.
    """
    first_name, last_name = (first_name or "").strip()[:150], (last_name or "").strip()[:150]
    if not first_name:
        raise ValidationError({"first_name": "Tell your teammates your name."})
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",)).select_related("team").get(pk=invitation.pk)
        )
        if invitation.status != "pending":
            raise ValidationError(f"This invitation is {invitation.status}.", code=invitation.status)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                f"{invitation.email} already has an account; sign in instead.", code="exists"
            )
        candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
        try:
            validate_password(password, user=candidate)
        except ValidationError as error:
            raise ValidationError({"password1": error.messages}) from None
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email,
                    password=password,
                    first_name=first_name,
                    last_name=last_name,
                    role=invitation.role,
                )
        except IntegrityError:
            raise ValidationError(
                f"{invitation.email} already has an account; sign in instead.", code="exists"
            ) from None
        if invitation.team is not None:
            invitation.team.members.add(user)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at", "updated_at"])
        audit_record(
            actor=user,
            action="invitation.accepted",
            target=invitation,
            summary=f"{user.email} joined as {user.role}",
            invited_by=invitation.invited_by_id,
        )
    return user


# --- Teams -----------------------------------------------------------------------------------------


def _clean_team_name(name: str, *, exclude: Team | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    if len(name) > 120:
        raise ValidationError({"name": "Keep the name under 120 characters."})
    clashes = Team.objects.filter(name__iexact=name)
    if exclude is not None:
        clashes = clashes.exclude(pk=exclude.pk)
    if clashes.exists():
        raise ValidationError({"name": f"There is already a team called {name}."})
    return name


def team_create(*, name: str, actor: User, members: Iterable[User] = ()) -> Team:
    _require_admin(actor)
    name = _clean_team_name(name)
    with transaction.atomic():
        team = Team.objects.create(name=name)
        chosen = list(members)
        if chosen:
            team.members.set(chosen)
        audit_record(actor=actor, action="team.created", target=team, summary=name, members=len(chosen))
    return team


def team_update(*, team: Team, name: str, actor: User) -> Team:
    _require_admin(actor)
    name = _clean_team_name(name, exclude=team)
    if name != team.name:
        previous = team.name
        with transaction.atomic():
            team.name = name
            team.save(update_fields=["name", "updated_at"])
            audit_record(actor=actor, action="team.renamed", target=team, summary=f"{previous} → {name}")
    return team


def team_delete(*, team: Team, actor: User) -> None:
    """Members stay; they only leave the team. Pending invitations into it lose their team."""
    _require_admin(actor)
    with transaction.atomic():
        audit_record(actor=actor, action="team.deleted", target=team, summary=team.name)
        team.delete()


def team_set_members(*, team: Team, members: Iterable[User], actor: User) -> Team:
    _require_admin(actor)
    chosen = {member.pk: member for member in members}
    with transaction.atomic():
        current = set(team.members.values_list("pk", flat=True))
        added, removed = set(chosen) - current, current - set(chosen)
        if added or removed:
            team.members.set(list(chosen.values()))
            audit_record(
                actor=actor,
                action="team.members_changed",
                target=team,
                summary=f"{team.name}: {len(added)} added, {len(removed)} removed",
                added=sorted(added),
                removed=sorted(removed),
            )
    return team


def team_member_add(*, team: Team, user: User, actor: User) -> Team:
    return team_set_members(team=team, members=[*team.members.all(), user], actor=actor)


def team_member_remove(*, team: Team, user: User, actor: User) -> Team:
    return team_set_members(team=team, members=team.members.exclude(pk=user.pk), actor=actor)
