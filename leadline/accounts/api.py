"""API routes about the caller: who the token acts as and what it may do."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from leadline.accounts.models import ApiToken, User
from leadline.api.auth import any_token, request_user

router = Router(tags=["Me"])


class UserRef(Schema):
    """A teammate as other objects refer to them (owner, author)."""

    id: UUID
    name: str
    email: str

    @staticmethod
    def resolve_id(user: User) -> UUID:
        return user.public_id

    @staticmethod
    def resolve_name(user: User) -> str:
        return user.display_name


class TokenOut(Schema):
    name: str
    prefix: str
    scopes: list[str]


class MeOut(Schema):
    id: UUID
    email: str
    name: str
    role: str
    teams: list[str]
    token: TokenOut


@router.get("/me", auth=any_token, response=MeOut, url_name="me", summary="The user this token acts as")
def me(request: HttpRequest) -> MeOut:
    """Any valid token may call this; it needs no scope."""
    user = request_user(request)
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return MeOut(
        id=user.public_id,
        email=user.email,
        name=user.display_name,
        role=user.role,
        teams=[team.name for team in user.teams.order_by("name")],
        token=TokenOut(name=token.name, prefix=token.prefix, scopes=list(token.scopes)),
    )
