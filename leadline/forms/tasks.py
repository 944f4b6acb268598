"""Background work of forms: sending the emails a submission set off, and retrying the ones that failed."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from leadline.core.scheduler import periodic
from leadline.forms.autoreply import form_email_deliver, form_emails_due


@task()
def form_email_send(form_email_id: int) -> str:
    return form_email_deliver(form_email_id=form_email_id)


@periodic(every=timedelta(seconds=30))
def form_emails_retry() -> int:
    """Hand emails whose retry is due back to the queue."""
    ids = form_emails_due()
    for form_email_id in ids:
        form_email_send.enqueue(form_email_id)
    return len(ids)
