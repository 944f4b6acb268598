"""Background work for accounts: the invitation email."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string

from leadline.accounts.models import Invitation
from leadline.accounts.selectors import invitation_url


@task()
def invitation_email_send(invitation_id: int) -> bool:
    """Email the invitation link. Returns False when the invitation is no longer open."""
    invitation = Invitation.objects.select_related("invited_by", "team").filter(pk=invitation_id).first()
    if invitation is None or invitation.status != "pending":
        return False
    context = {
        "invitation": invitation,
        "inviter": invitation.invited_by.display_name if invitation.invited_by else "A Leadline admin",
        "url": invitation_url(invitation),
        "base_url": settings.BASE_URL,
    }
    subject = " ".join(render_to_string("accounts/email/invitation_subject.txt", context).split())
    body = render_to_string("accounts/email/invitation_message.txt", context)
    EmailMessage(subject=subject, body=body, to=[invitation.email]).send()
    return True
