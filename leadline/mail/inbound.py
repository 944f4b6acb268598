"""Reading the bounce mailbox over IMAP (LEADLINE_BOUNCE_IMAP_URL): bounces, complaints and mailto
unsubscribes that arrive at the VERP addresses of LEADLINE_BOUNCE_DOMAIN.

Each poll reads the unseen messages of the folder, records each one, and marks it seen (or moves it
to the folder named by `?processed=FOLDER` in the URL, e.g. `imaps://…/INBOX?processed=Done`). A message
that is not an email we can read is marked seen and left in place; a message whose processing
fails for another reason is flagged (\\Flagged) and skipped by later polls, so one bad message never
blocks the rest. Unflag it in a mail client to have it read again.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from imap_tools import AND, BaseMailBox, MailBox, MailBoxUnencrypted, MailMessage, MailMessageFlags

from leadline.mail.bounces import InboundError, inbound_process

logger = logging.getLogger(__name__)

POLL_LIMIT = 200
IMAP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    username: str
    password: str
    folder: str
    use_ssl: bool
    processed_folder: str = ""


def imap_config(url: str | None = None) -> ImapConfig | None:
    """The mailbox of LEADLINE_BOUNCE_IMAP_URL (imap://user:pass@host:port/FOLDER, or imaps:// for
    TLS), or None when it is not set."""
    value = settings.LEADLINE_BOUNCE_IMAP_URL if url is None else url
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ImproperlyConfigured("LEADLINE_BOUNCE_IMAP_URL must look like imaps://user:password@host/INBOX")
    use_ssl = parts.scheme == "imaps"
    try:
        port = parts.port or (993 if use_ssl else 143)
    except ValueError:
        raise ImproperlyConfigured("LEADLINE_BOUNCE_IMAP_URL has an invalid port") from None
    processed = parse_qs(parts.query).get("processed", [""])[0].strip()
    return ImapConfig(
        processed_folder=processed,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        use_ssl=use_ssl,
    )


class RawMailMessage(MailMessage):
    """A fetched message that keeps its bytes as received (re-serialising may change them)."""

    def __init__(self, fetch_data: list) -> None:
        super().__init__(fetch_data)
        self.raw: bytes = self._get_message_data_parts(fetch_data)[0] or b""


class BounceMailBox(MailBox):
    email_message_class = RawMailMessage


class BounceMailBoxUnencrypted(MailBoxUnencrypted):
    email_message_class = RawMailMessage


def open_mailbox(config: ImapConfig) -> BaseMailBox:
    if config.use_ssl:
        return BounceMailBox(config.host, config.port, timeout=IMAP_TIMEOUT_SECONDS)
    return BounceMailBoxUnencrypted(config.host, config.port, timeout=IMAP_TIMEOUT_SECONDS)


@dataclass
class PollResult:
    read: int = 0
    results: Counter[str] = field(default_factory=Counter)
    unreadable: int = 0
    failed: int = 0


def poll_bounce_mailbox(*, config: ImapConfig | None = None, limit: int = POLL_LIMIT) -> PollResult | None:
    """Read the unseen messages of the bounce mailbox; None when no mailbox is configured."""
    config = config or imap_config()
    if config is None:
        return None
    result = PollResult()
    with open_mailbox(config).login(
        config.username, config.password, initial_folder=config.folder
    ) as mailbox:
        criteria = AND(seen=False, flagged=False)
        for message in mailbox.fetch(criteria, mark_seen=False, limit=limit):
            result.read += 1
            _process_one(mailbox, message, result, processed_folder=config.processed_folder)
    logger.info("Bounce mailbox: read %s message(s): %s", result.read, dict(result.results))
    return result


def _process_one(mailbox: BaseMailBox, message: Any, result: PollResult, *, processed_folder: str) -> None:
    uid = message.uid
    raw = getattr(message, "raw", b"") or message.obj.as_bytes()
    try:
        outcome = inbound_process(raw, source="imap")
    except InboundError as error:
        result.unreadable += 1
        logger.info("Bounce mailbox: message %s is not readable: %s", uid, error)
    except Exception:
        result.failed += 1
        logger.exception("Bounce mailbox: message %s could not be processed; flagged for a person", uid)
        if uid:
            mailbox.flag(uid, MailMessageFlags.FLAGGED, True)
        return
    else:
        result.results[outcome.result] += 1
    if not uid:
        return
    mailbox.flag(uid, MailMessageFlags.SEEN, True)
    if processed_folder:
        mailbox.move(uid, processed_folder)
