"""Bearer-token authentication with per-route scopes.

Only `Authorization: Bearer <token>` is accepted: the API never looks at the session cookie, so a
signed-in browser cannot be made to call it (there is no CSRF surface). The request's user becomes
the token's user, and routes fetch every object through the access layer as that user.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from leadline.accounts.models import ApiToken, Scope, User
from leadline.accounts.services import api_token_authenticate
from leadline.core.access import AccessQuerySet, get_for_user


class TokenAuth(HttpBearer):
    """A valid, unrevoked token of an active user holding `scope` (any token when scope is None)."""

    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(token.strip())
        if api_token is None:
            return None
        if self.scope is not None and self.scope not in (api_token.scopes or []):
            raise AuthorizationError(message=f"This token lacks the '{self.scope}' scope.")
        request.user = api_token.user
        return api_token


any_token = TokenAuth()
contacts_read = TokenAuth(Scope.CONTACTS_READ)
contacts_write = TokenAuth(Scope.CONTACTS_WRITE)
settings_write = TokenAuth(Scope.SETTINGS_WRITE)
sales_read = TokenAuth(Scope.SALES_READ)
sales_write = TokenAuth(Scope.SALES_WRITE)


def request_user(request: HttpRequest) -> User:
    """The user the request's token acts as (routes only run after TokenAuth succeeded)."""
    user = request.user
    assert isinstance(user, User)
    return user


def get_for_edit[M: Any](queryset: AccessQuerySet[M], user: User, public_id: Any, *, message: str) -> M:
    """An object the user may change. 404 when they cannot even see it (as if it did not exist),
    403 when they can see it but their role does not let them change it."""
    instance = get_for_user(queryset, user, public_id)
    if not queryset.for_user(user, for_edit=True).filter(pk=instance.pk).exists():
        raise PermissionDenied(message)
    return instance


def require_role(user: User, *roles: str, message: str) -> None:
    """Admins always pass; others need one of `roles`."""
    if not (user.is_admin or user.role in roles):
        raise PermissionDenied(message)
