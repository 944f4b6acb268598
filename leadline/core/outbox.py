"""Email backend that keeps messages in the database for the in-app outbox viewer."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives

from leadline.core.models import OutboxEmail


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        stored = []
        for message in email_messages:
            html_body = ""
            if isinstance(message, EmailMultiAlternatives):
                for alternative in message.alternatives:
                    content, mimetype = alternative[0], alternative[1]
                    if mimetype == "text/html":
                        html_body = str(content)
            stored.append(
                OutboxEmail(
                    sender=str(message.from_email),
                    recipients=[str(address) for address in message.recipients()],
                    subject=str(message.subject),
                    text_body=str(message.body),
                    html_body=html_body,
                    headers={str(k): str(v) for k, v in (message.extra_headers or {}).items()},
                )
            )
        OutboxEmail.objects.bulk_create(stored)
        return len(stored)
