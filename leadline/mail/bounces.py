"""What comes back after sending: delivery status notifications (bounces), spam complaints (ARF
feedback reports) and mail to the per-message unsubscribe address, read from raw RFC 822 messages.

`read_inbound` works out what a message is and which OutboundMessage it is about; `inbound_apply`
records it. A hard bounce or a complaint suppresses the address at once; soft bounces are recorded
and suppress the address after SOFT_BOUNCE_LIMIT of them within SOFT_BOUNCE_WINDOW. Vacation notices
and other automatic replies are not bounces and change nothing. Every step is idempotent: the same
report read twice (an IMAP retry, a relay that posts again) records nothing new.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from flufl.bounce import all_failures

from leadline.activity.services import activity_record
from leadline.mail.addresses import BOUNCE_LOCAL, UNSUBSCRIBE_LOCAL, read_address
from leadline.mail.models import MessageEvent, OutboundMessage, Suppression

logger = logging.getLogger(__name__)
# flufl.bounce logs every detector it tries at INFO: one line per detector per message, all noise.
logging.getLogger("flufl.bounce").setLevel(logging.WARNING)

# Bigger than any bounce of a normal email (which carries the original back), small enough to parse.
INBOUND_MAX_BYTES = 5 * 1024 * 1024
SOFT_BOUNCE_LIMIT = 3
SOFT_BOUNCE_WINDOW = timedelta(days=30)
DETAIL_MAX_LENGTH = 500

# Timeline kinds of what came back (the activity log accepts any kind string).
ACTIVITY_BOUNCED = "email.bounced"
ACTIVITY_COMPLAINED = "email.complained"

HARD = "hard"
SOFT = "soft"
DEFERRED = "deferred"


class InboundError(ValueError):
    """The input is not an email message we can read (empty, too big, no headers)."""


@dataclass(frozen=True)
class Failure:
    """One recipient a bounce reports: hard (5.x.x), soft (4.x.x) or deferred (still being tried)."""

    recipient: str
    bounce_type: str
    status: str = ""
    diagnostic: str = ""


@dataclass
class InboundReport:
    """What one inbound message is. `kind` is bounce, complaint, unsubscribe, auto_reply or
    not_a_bounce; `message` the OutboundMessage it is about, when it could be found."""

    kind: str
    message: OutboundMessage | None = None
    found_by: str = ""
    failures: list[Failure] = field(default_factory=list)
    feedback_type: str = ""
    subject: str = ""


@dataclass(frozen=True)
class InboundOutcome:
    """What was done: hard_bounce, soft_bounce, deferred, complaint, unsubscribe, auto_reply,
    not_a_bounce, not_spam, unmatched or duplicate (already recorded)."""

    result: str
    message: UUID | None = None
    email: str = ""
    suppressed: bool = False


# --- Reading --------------------------------------------------------------------------------------


def parse_inbound(raw: bytes) -> Message:
    """A raw RFC 822 message as an email.message.Message; raises InboundError if it is not one."""
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise InboundError("The message is empty.")
    if len(raw) > INBOUND_MAX_BYTES:
        raise InboundError(f"The message is larger than {INBOUND_MAX_BYTES // (1024 * 1024)} MB.")
    try:
        message = email.message_from_bytes(bytes(raw), policy=email.policy.compat32)
    except Exception as error:  # the parser is lenient; anything it still chokes on is bad input
        raise InboundError("The message could not be parsed.") from error
    names = {name.lower() for name in message}
    if not names & _MESSAGE_HEADERS:
        raise InboundError("The message has no email headers: send the whole RFC 822 message.")
    return message


# A message has at least one of these; a body of JSON or random bytes has none.
_MESSAGE_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "delivered-to",
    "content-type",
    "mime-version",
}
_ENHANCED_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_REPLY = re.compile(r"(?<![\d.])([45])\d\d(?=[ -])")
_MESSAGE_ID_LINE = re.compile(r"^message-id:[ \t]*(<[^<>\s]{3,250}>)", re.IGNORECASE | re.MULTILINE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|mail delivery (failed|failure|subsystem)|returned mail|"
    r"failure notice|delivery (failure|has failed)|non-?delivery|could not be delivered|"
    r"unzustellbar|nicht zustellbar|non remis",
    re.IGNORECASE,
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:(?:re|aw|fw|fwd)\s*:\s*)*(?:"
    r"auto(?:matic|matische)?[ -]?(?:reply|response|antwort|answer)|autoreply|out of (?:the )?office|"
    r"away from (?:the |my )?(?:office|desk)|on (?:vacation|holiday|leave)|vacation|abwesenheit|"
    r"réponse automatique|respuesta automática|risposta automatica|automatisch antwoord|"
    r"i am (?:away|out)|i'm (?:away|out)|thank you for (?:your )?(?:email|message)|ticket received"
    r")",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_RECIPIENT_HEADERS = (
    "Delivered-To",
    "X-Original-To",
    "Envelope-To",
    "X-Envelope-To",
    "X-Rcpt-To",
    "X-Forwarded-To",
    "To",
    "Cc",
)


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except Exception:
        return str(value)


def _is_feedback_report(message: Message) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type", "") or "").lower() == "feedback-report"
    )


def _is_delivery_report(message: Message) -> bool:
    return any(True for _ in _delivery_status_parts(message))


def _delivery_status_parts(message: Message) -> Iterator[Message]:
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status" and part.is_multipart():
            yield part


def looks_like_bounce(message: Message) -> bool:
    """Signs that a non-RFC 3464 message is a bounce: who sent it, X-Failed-Recipients, the subject."""
    if _is_delivery_report(message) or message.get("X-Failed-Recipients"):
        return True
    sender = parseaddr(_header(message, "From"))[1].lower()
    if sender.split("@", 1)[0] in _BOUNCE_SENDERS:
        return True
    return bool(_BOUNCE_SUBJECT.search(_header(message, "Subject")))


def is_auto_reply(message: Message) -> bool:
    """A vacation notice or another automatic reply (RFC 3834 and the headers mailers use instead)."""
    if looks_like_bounce(message):
        # Bounces carry Auto-Submitted too, but they are what we are looking for.
        return False
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if any(message.get(name) for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autoresponse")):
        return True
    if _header(message, "Precedence").strip().lower() in ("auto_reply", "auto-reply"):
        return True
    if _header(message, "X-Auto-Response-Suppress") and _AUTO_REPLY_SUBJECT.search(
        _header(message, "Subject")
    ):
        return True
    return bool(_AUTO_REPLY_SUBJECT.search(_header(message, "Subject")))


def _our_addresses(message: Message, envelope_recipient: str) -> list[tuple[str, UUID]]:
    """Our per-message addresses among the envelope recipient and the headers naming where it went."""
    values = [envelope_recipient] if envelope_recipient else []
    for name in _RECIPIENT_HEADERS:
        values.extend(str(value) for value in message.get_all(name, []))
    found = []
    for _name, address in getaddresses(values):
        parsed = read_address(address)
        if parsed is not None and parsed not in found:
            found.append(parsed)
    return found


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, errors="replace")
        except LookupError:
            return payload.decode("utf-8", errors="replace")
    raw = part.get_payload()
    return raw if isinstance(raw, str) else ""


def _returned_headers(message: Message) -> Iterator[Message]:
    """The header blocks of the original message a report carries back (message/rfc822 or
    text/rfc822-headers)."""
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                yield payload[0]
        elif content_type == "text/rfc822-headers":
            yield HeaderParser(policy=email.policy.compat32).parsestr(_text_of(part))


def _candidate_message_ids(message: Message) -> list[str]:
    """Message-IDs of the original, from the returned headers, then from any text that quotes them
    (plain-text bounces copy the original below the explanation)."""
    own = (message.get("Message-ID") or "").strip()
    ids: list[str] = []
    for headers in _returned_headers(message):
        value = str(headers.get("Message-ID") or "").strip()
        if value:
            ids.append(value)
    for name in ("In-Reply-To", "References"):
        ids.extend(re.findall(r"<[^<>\s]+>", str(message.get(name) or "")))
    for part in message.walk():
        if part.get_content_maintype() == "text":
            ids.extend(_MESSAGE_ID_LINE.findall(_text_of(part)[:500_000]))
    normalised = []
    for value in ids:
        value = value.strip()
        if not value or value == own:
            continue
        bracketed = value if value.startswith("<") else f"<{value.strip('<>')}>"
        if bracketed not in normalised and len(bracketed) <= 255:
            normalised.append(bracketed)
    return normalised[:20]


def _returned_verp(message: Message) -> list[tuple[str, UUID]]:
    """Our return path quoted in the returned original (Return-Path) or in an ARF report."""
    values: list[str] = []
    for headers in _returned_headers(message):
        values.extend(str(value) for value in headers.get_all("Return-Path", []))
    for report in _feedback_blocks(message):
        values.extend(str(value) for value in report.get_all("Original-Mail-From", []))
    found = []
    for _name, address in getaddresses(values):
        parsed = read_address(address)
        if parsed is not None:
            found.append(parsed)
    return found


def status_code_in(text: str) -> str:
    match = _ENHANCED_STATUS.search(text or "")
    return ".".join(match.groups()) if match else ""


def _type_of(status: str, *, permanent: bool) -> str:
    if status.startswith("4"):
        return SOFT
    if status.startswith("5"):
        return HARD
    return HARD if permanent else SOFT


def _dsn_blocks(message: Message) -> Iterator[tuple[str, str, str, str]]:
    """(recipient, action, status, diagnostic) of each per-recipient block of the RFC 3464 parts."""
    for part in _delivery_status_parts(message):
        for block in part.get_payload():
            if not isinstance(block, Message):
                continue
            action = str(block.get("Action", "")).strip().lower()
            if not action:
                continue  # the per-message block
            recipient = ""
            for name in ("Original-Recipient", "Final-Recipient", "X-Actual-Recipient"):
                value = str(block.get(name, ""))
                if value:
                    recipient = parseaddr(value.split(";", 1)[-1].strip())[1].lower()
                    if recipient:
                        break
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
            diagnostic = diagnostic.split(";", 1)[-1].strip() if ";" in diagnostic[:12] else diagnostic
            status = status_code_in(str(block.get("Status", ""))) or status_code_in(diagnostic)
            yield recipient, action, status, diagnostic


def _flufl_failures(message: Message) -> tuple[set[str], set[str]]:
    try:
        temporary, permanent = all_failures(message)
    except Exception:
        # The heuristic detectors meet every kind of broken mail; a crash in one is not our input's
        # fault, and the RFC 3464 reading below still applies.
        logger.warning("flufl.bounce could not read an inbound message", exc_info=True)
        return set(), set()

    def decode(addresses: Iterable[bytes]) -> set[str]:
        return {address.decode("ascii", errors="replace").strip().lower() for address in addresses if address}

    return decode(temporary), decode(permanent)


def _plain_text_diagnostic(message: Message, recipient: str) -> str:
    """The lines of a plain-text bounce that explain why `recipient` failed."""
    for part in message.walk():
        if part.get_content_type() != "text/plain":
            continue
        text = _text_of(part)[:200_000]
        lines = [line.strip() for line in text.splitlines()]
        for index, line in enumerate(lines):
            if recipient and recipient in line.lower():
                window = " ".join(item for item in lines[index : index + 4] if item)
                if _ENHANCED_STATUS.search(window) or _SMTP_REPLY.search(window):
                    return window[:DETAIL_MAX_LENGTH]
        for line in lines:
            if _ENHANCED_STATUS.search(line) or _SMTP_REPLY.search(line):
                return line[:DETAIL_MAX_LENGTH]
    return ""


def bounce_failures(message: Message) -> list[Failure]:
    """The recipients a bounce reports, each classified hard, soft or deferred."""
    temporary, permanent = _flufl_failures(message)
    failures: dict[str, Failure] = {}
    for recipient, action, status, diagnostic in _dsn_blocks(message):
        if action.startswith("delayed"):
            bounce_type = DEFERRED
        elif action.startswith(("fail", "error")):
            bounce_type = _type_of(status, permanent=True)
        else:
            continue  # delivered, relayed, expanded: not a failure
        if recipient:
            failures[recipient] = Failure(recipient, bounce_type, status, diagnostic[:DETAIL_MAX_LENGTH])
    for recipient in sorted(permanent | temporary):
        if recipient in failures or "@" not in recipient:
            continue
        diagnostic = _plain_text_diagnostic(message, recipient)
        status = status_code_in(diagnostic)
        if not status:
            reply = _SMTP_REPLY.search(diagnostic)
            status = f"{reply.group(1)}.0.0" if reply else ""
        if recipient in permanent:
            bounce_type = _type_of(status, permanent=True)
        else:
            bounce_type = DEFERRED
        failures[recipient] = Failure(recipient, bounce_type, status, diagnostic)
    return list(failures.values())


def _feedback_blocks(message: Message) -> Iterator[Message]:
    for part in message.walk():
        if part.get_content_type() != "message/feedback-report":
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            yield from (block for block in payload if isinstance(block, Message))
        elif isinstance(payload, str):
            yield HeaderParser(policy=email.policy.compat32).parsestr(payload)


def _complaint_recipients(message: Message) -> list[str]:
    recipients = []
    for block in _feedback_blocks(message):
        for value in block.get_all("Original-Rcpt-To", []):
            address = parseaddr(str(value))[1].lower()
            if address:
                recipients.append(address)
    for headers in _returned_headers(message):
        for _name, address in getaddresses([str(value) for value in headers.get_all("To", [])]):
            if address:
                recipients.append(address.lower())
    return recipients


def _message_by_public_id(public_id: UUID) -> OutboundMessage | None:
    return OutboundMessage.objects.select_related("contact", "template").filter(public_id=public_id).first()


def _message_by_ids(message_ids: list[str]) -> OutboundMessage | None:
    if not message_ids:
        return None
    matches = {
        row.message_id: row
        for row in OutboundMessage.objects.select_related("contact", "template").filter(
            message_id__in=message_ids
        )
    }
    for value in message_ids:
        if value in matches:
            return matches[value]
    return None


def _message_by_recipient(addresses: Iterable[str]) -> OutboundMessage | None:
    """The latest message we sent to one of `addresses`: only addresses we really mailed can be
    suppressed by a report that names no message of ours."""
    for address in addresses:
        found = (
            OutboundMessage.objects.select_related("contact", "template")
            .filter(to_email=address.strip().lower(), sent_at__isnull=False)
            .order_by("-sent_at", "-id")
            .first()
        )
        if found is not None:
            return found
    return None


def _find_message(
    verp: list[tuple[str, UUID]], message: Message, recipients: list[str]
) -> tuple[OutboundMessage | None, str]:
    for local, public_id in verp:
        if local == BOUNCE_LOCAL:
            found = _message_by_public_id(public_id)
            if found is not None:
                return found, "return_path"
    found = _message_by_ids(_candidate_message_ids(message))
    if found is not None:
        return found, "message_id"
    found = _message_by_recipient(recipients)
    if found is not None:
        return found, "recipient"
    return None, ""


def read_inbound(message: Message, *, envelope_recipient: str = "") -> InboundReport:
    """What `message` is and which of our messages it is about (reads only)."""
    subject = _header(message, "Subject")[:300]
    addressed_to = _our_addresses(message, envelope_recipient)
    for local, public_id in addressed_to:
        if local == UNSUBSCRIBE_LOCAL:
            if is_auto_reply(message) or looks_like_bounce(message):
                return InboundReport(kind="auto_reply", subject=subject)
            return InboundReport(
                kind="unsubscribe",
                message=_message_by_public_id(public_id),
                found_by="unsubscribe_address",
                subject=subject,
            )
    if _is_feedback_report(message):
        blocks = list(_feedback_blocks(message))
        feedback_type = str(blocks[0].get("Feedback-Type", "abuse")).strip().lower() if blocks else "abuse"
        found, found_by = _find_message(
            addressed_to + _returned_verp(message), message, _complaint_recipients(message)
        )
        return InboundReport(
            kind="complaint", message=found, found_by=found_by, feedback_type=feedback_type, subject=subject
        )
    if not looks_like_bounce(message) and is_auto_reply(message):
        return InboundReport(kind="auto_reply", subject=subject)
    failures = bounce_failures(message)
    if not failures:
        return InboundReport(kind="not_a_bounce", subject=subject)
    found, found_by = _find_message(
        addressed_to + _returned_verp(message), message, [failure.recipient for failure in failures]
    )
    return InboundReport(kind="bounce", message=found, found_by=found_by, failures=failures, subject=subject)


# --- Recording ------------------------------------------------------------------------------------


def _subject_of(message: OutboundMessage) -> str:
    if message.subject:
        return message.subject
    return message.template.subject if message.template is not None else ""


def _failure_for(message: OutboundMessage, failures: list[Failure]) -> Failure:
    """The failure about the message's recipient; when the bounce names another address (a
    forward), the worst one it reports."""
    for failure in failures:
        if failure.recipient == message.to_email:
            return failure
    order = {HARD: 0, SOFT: 1, DEFERRED: 2}
    return sorted(failures, key=lambda failure: order[failure.bounce_type])[0]


def _suppress(*, email_address: str, reason: str, detail: str, source: str) -> bool:
    from leadline.mail.suppression import suppression_add

    try:
        _suppression, created = suppression_add(
            email=email_address, reason=reason, detail=detail, source=source, actor=None
        )
    except ValidationError:
        # Not an address a mail server would take; nothing will be sent to it anyway.
        logger.warning("Could not suppress %r: not a valid address", email_address)
        return False
    return created


def soft_bounce_count(email_address: str, *, now: Any = None) -> int:
    """Messages to `email_address` that soft-bounced within the window."""
    since = (now or timezone.now()) - SOFT_BOUNCE_WINDOW
    return (
        MessageEvent.objects.filter(
            kind=MessageEvent.Kind.BOUNCE,
            bounce_type=SOFT,
            message__to_email=email_address,
            occurred_at__gte=since,
        )
        .values("message")
        .distinct()
        .count()
    )


def bounce_record(*, message: OutboundMessage, failure: Failure, source: str) -> InboundOutcome:
    """Record one bounce of `message`; suppress its address when the bounce is hard or the soft
    bounces add up."""
    now = timezone.now()
    address = message.to_email.strip().lower()
    with transaction.atomic():
        locked = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("contact", "template")
            .get(pk=message.pk)
        )
        if failure.bounce_type == DEFERRED:
            if locked.events.filter(kind=MessageEvent.Kind.DEFERRED).exists():
                return InboundOutcome("duplicate", locked.public_id, address)
            MessageEvent.objects.create(
                message=locked,
                kind=MessageEvent.Kind.DEFERRED,
                occurred_at=now,
                data=_event_data(failure, source),
            )
            return InboundOutcome("deferred", locked.public_id, address)
        if locked.events.filter(kind=MessageEvent.Kind.BOUNCE).exists():
            return InboundOutcome("duplicate", locked.public_id, address)
        MessageEvent.objects.create(
            message=locked,
            kind=MessageEvent.Kind.BOUNCE,
            bounce_type=failure.bounce_type,
            occurred_at=now,
            data=_event_data(failure, source),
        )
        if locked.bounced_at is None:
            locked.bounced_at = now
            locked.save(update_fields=["bounced_at", "updated_at"])
        detail = " ".join(part for part in (failure.status, failure.diagnostic) if part)[:DETAIL_MAX_LENGTH]
        suppressed = False
        if failure.bounce_type == HARD:
            suppressed = _suppress(
                email_address=address, reason=Suppression.Reason.HARD_BOUNCE, detail=detail, source=source
            )
        elif soft_bounce_count(address, now=now) >= SOFT_BOUNCE_LIMIT:
            suppressed = _suppress(
                email_address=address,
                reason=Suppression.Reason.SOFT_BOUNCE,
                detail=f"{SOFT_BOUNCE_LIMIT} soft bounces within {SOFT_BOUNCE_WINDOW.days} days; last: {detail}"[
                    :DETAIL_MAX_LENGTH
                ],
                source=source,
            )
        if locked.contact is not None:
            activity_record(
                kind=ACTIVITY_BOUNCED,
                contact=locked.contact,
                occurred_at=now,
                title=_subject_of(locked),
                data={
                    "message": str(locked.public_id),
                    "bounce_type": failure.bounce_type,
                    "status": failure.status,
                    "diagnostic": failure.diagnostic[:300],
                    "email": address,
                    "suppressed": suppressed,
                },
            )
    result = "hard_bounce" if failure.bounce_type == HARD else "soft_bounce"
    return InboundOutcome(result, locked.public_id, address, suppressed)


def _event_data(failure: Failure, source: str) -> dict[str, Any]:
    return {
        "recipient": failure.recipient,
        "status": failure.status,
        "diagnostic": failure.diagnostic,
        "source": source,
    }


def complaint_record(
    *, message: OutboundMessage, source: str, feedback_type: str = "abuse"
) -> InboundOutcome:
    """Record a spam complaint about `message`: suppress the address and unsubscribe the contact
    from all marketing email."""
    from leadline.mail.preferences import unsubscribe_contact

    now = timezone.now()
    address = message.to_email.strip().lower()
    with transaction.atomic():
        locked = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("contact", "template")
            .get(pk=message.pk)
        )
        if locked.events.filter(kind=MessageEvent.Kind.COMPLAINT).exists():
            return InboundOutcome("duplicate", locked.public_id, address)
        MessageEvent.objects.create(
            message=locked,
            kind=MessageEvent.Kind.COMPLAINT,
            occurred_at=now,
            data={"feedback_type": feedback_type, "source": source},
        )
        if locked.complained_at is None:
            locked.complained_at = now
            locked.save(update_fields=["complained_at", "updated_at"])
        suppressed = _suppress(
            email_address=address,
            reason=Suppression.Reason.COMPLAINT,
            detail=f"Marked as spam ({feedback_type})"[:DETAIL_MAX_LENGTH],
            source=source,
        )
        if locked.contact is not None:
            unsubscribe_contact(contact=locked.contact, source="complaint", message=locked)
            activity_record(
                kind=ACTIVITY_COMPLAINED,
                contact=locked.contact,
                occurred_at=now,
                title=_subject_of(locked),
                data={"message": str(locked.public_id), "feedback_type": feedback_type, "email": address},
            )
    return InboundOutcome("complaint", locked.public_id, address, suppressed)


def mailto_unsubscribe_record(*, message: OutboundMessage) -> InboundOutcome:
    """An email to the message's unsubscribe address: the List-Unsubscribe mailto: of RFC 2369."""
    from leadline.mail.preferences import unsubscribe_contact

    if message.contact is None:
        return InboundOutcome("unmatched", message.public_id, message.to_email)
    with transaction.atomic():
        unsubscribe_contact(
            contact=message.contact,
            subscription_type=message.subscription_type,
            source="mailto",
            message=message,
        )
    return InboundOutcome("unsubscribe", message.public_id, message.to_email)


def inbound_apply(report: InboundReport, *, source: str) -> InboundOutcome:
    """Record what `report` says; see InboundOutcome for the results."""
    if report.kind in ("auto_reply", "not_a_bounce"):
        return InboundOutcome(report.kind)
    message = report.message
    if message is None:
        return InboundOutcome("unmatched")
    if report.kind == "unsubscribe":
        return mailto_unsubscribe_record(message=message)
    if report.kind == "complaint":
        if report.feedback_type == "not-spam":
            return InboundOutcome("not_spam", message.public_id, message.to_email)
        return complaint_record(message=message, source=source, feedback_type=report.feedback_type)
    return bounce_record(message=message, failure=_failure_for(message, report.failures), source=source)


def inbound_process(raw: bytes, *, source: str, envelope_recipient: str = "") -> InboundOutcome:
    """Read and record one raw inbound message. Raises InboundError when it is not an email."""
    message = parse_inbound(raw)
    report = read_inbound(message, envelope_recipient=envelope_recipient)
    outcome = inbound_apply(report, source=source)
    logger.info(
        "Inbound %s: %s%s",
        source,
        outcome.result,
        f" (message {outcome.message}, by {report.found_by})" if outcome.message else "",
    )
    return outcome
