"""Writes for people, teams, invitations and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from leadline.accounts.models import ApiToken, Role, Scope, User
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
    chosen = list(dict.fromkeys(scopes)) if scopes else list(Scope.values)
    unknown = [scope for scope in chosen if scope not in Scope.values]
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope(s): {', '.join(unknown)}."})
    if Scope.SETTINGS_WRITE in chosen and not (user.is_admin or user.is_marketing):
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
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, action="token.revoked", target=token, summary=token.name)
    return token
