"""allauth adapter: Leadline is invite-only, so open sign-up is closed; security events allauth
handles (password and two-factor changes) are written to the audit log."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from leadline.core.services import audit_record

# allauth announces each of these through `send_notification_mail`, whether or not it emails.
SECURITY_EVENTS = {
    "account/email/password_changed": "user.password_changed",
    "account/email/password_set": "user.password_set",
    "account/email/password_reset": "user.password_reset",
    "account/email/email_changed": "user.email_changed",
    "account/email/email_deleted": "user.email_deleted",
    "mfa/email/totp_activated": "user.two_factor_enabled",
    "mfa/email/totp_deactivated": "user.two_factor_disabled",
    "mfa/email/recovery_codes_generated": "user.recovery_codes_generated",
}


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def send_notification_mail(
        self,
        template_prefix: str,
        user: AbstractBaseUser,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        action = SECURITY_EVENTS.get(template_prefix)
        if action is not None:
            audit_record(actor=user, action=action, target=user, summary=str(getattr(user, "email", "")))
        super().send_notification_mail(template_prefix, user, context=context, email=email)
