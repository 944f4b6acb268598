"""One rendered email as a message for Django's mail API (SMTP from EMAIL_URL, or the in-app outbox)."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from leadline.mail.rendering import RenderedEmail


def message_id() -> str:
    domain = (settings.BASE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]) or "leadline.local"
    return make_msgid(domain=domain)


def email_message(
    rendered: RenderedEmail,
    *,
    sender: Any,
    to: str,
    subject: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMultiAlternatives:
    """`sender` is a SenderIdentity, or None for the workspace's default From address."""
    all_headers = {"Message-ID": message_id(), **rendered.headers, **(headers or {})}
    message = EmailMultiAlternatives(
        subject=subject if subject is not None else rendered.subject,
        body=rendered.text,
        from_email=sender.from_header if sender is not None else settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[sender.reply_to] if sender is not None and sender.reply_to else None,
        headers=all_headers,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
