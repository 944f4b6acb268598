"""Periodic work of the mail room (registered with @periodic when imported by mail.tasks): reading
the bounce mailbox when LEADLINE_BOUNCE_IMAP_URL is set."""

from __future__ import annotations

import imaplib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from imap_tools.errors import ImapToolsError

from leadline.core.scheduler import periodic
from leadline.mail.inbound import PollResult, poll_bounce_mailbox

logger = logging.getLogger(__name__)

POLL_EVERY = timedelta(minutes=2)


@periodic(every=POLL_EVERY)
def bounce_mailbox_poll() -> PollResult | None:
    """Read new bounces, complaints and mailto unsubscribes from the bounce mailbox."""
    if not settings.LEADLINE_BOUNCE_IMAP_URL:
        return None
    try:
        return poll_bounce_mailbox()
    except (OSError, imaplib.IMAP4.error, ImapToolsError, ImproperlyConfigured) as error:
        # The mail server is down or refuses us: try again at the next interval.
        logger.warning("The bounce mailbox could not be read: %s", error)
        return None
