"""Factories and helpers for the accounts tests."""

from __future__ import annotations

import time
from datetime import timedelta

import factory
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.utils import timezone

from leadline.accounts.models import Invitation, Role, User
from leadline.accounts.services import api_token_create


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@leadline.test")
    role = Role.SALES
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


def enable_totp(user: User) -> str:
    """Turn on two-factor for `user` the way allauth does; returns the TOTP secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def make_token(user: User, name: str = "Script", scopes: list[str] | None = None):
    return api_token_create(user=user, name=name, scopes=scopes)
