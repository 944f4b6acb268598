"""How a prepared email reaches a mail server, and what the server said.

Two transports share one small interface (`send` one email, get a `Delivery` back; `close`):

- `SmtpTransport` when EMAIL_URL names an SMTP server: one persistent connection reused for every
  message of a run, opened again when the server drops it. The message bytes are composed here
  (multipart/alternative, quoted-printable parts) and DKIM-signed when the sending domain has a key;
  the envelope sender is the per-message return path. Each recipient gets its own SMTP transaction,
  so the reply to one message is the reply for exactly that row.
- `BackendTransport` for every other Django email backend: the in-app outbox of the demo, the console,
  or an ESP through django-anymail. Its connection is opened once and kept for the run; with anymail
  the message carries our public id as metadata and the ESP's message id comes back.

A reply is sorted into sent (2xx), failed (5xx: this address will not take it) or retry (4xx, a
timeout, a dropped connection: try again later). A server that cannot be reached at all raises
`TransportUnavailable`, so the caller can put the rest of its batch back at once.
"""

from __future__ import annotations

import binascii
import contextlib
import enum
import re
import secrets
import select
import smtplib
import ssl
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME

from leadline.mail.dkim_signing import DkimKey, dkim_sign

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DEFAULT_TIMEOUT = 30
RESPONSE_MAX_LENGTH = 500


class Outcome(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    response: str
    provider_id: str = ""


class TransportUnavailable(Exception):
    """The mail server or service cannot be reached: nothing was sent."""


@dataclass
class OutgoingEmail:
    """One email ready for the wire. `mail_from` is the envelope sender (the VERP return path when a
    bounce domain is configured, else the From address)."""

    mail_from: str
    recipient: str
    from_name: str
    from_email: str
    subject: str
    text: str
    html: str
    reply_to: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    dkim: DkimKey | None = None
    # `html` already quoted-printable (`leadline.mail.wire`), when the renderer made it so.
    html_encoded: bytes = b""

    @property
    def from_header(self) -> str:
        return formataddr((_single_line(self.from_name), self.from_email))

    @property
    def from_domain(self) -> str:
        return self.from_email.rpartition("@")[2].lower()


# --- Composing the message --------------------------------------------------------------------------


def quoted_printable(text: str) -> bytes:
    # binascii's encoder is C: a campaign encodes thousands of parts. Quoted-printable keeps every
    # line short and 7-bit, so any server takes it without the 8BITMIME extension. Its soft line
    # breaks copy the text's line ends: given LF only, every line end is then made CRLF at once.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    encoded = binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=True, header=False)
    return encoded.replace(b"\n", b"\r\n")


def _single_line(value: str) -> str:
    return " ".join(str(value).split())


# Bytes of UTF-8 in one RFC 2047 encoded word: 52 characters of base64, so that a folded line stays
# under 76 characters.
ENCODED_WORD_BYTES = 39


def _encoded_words(value: str) -> str:
    """`value` as base64 encoded words, folded between them, no character split across two."""
    words = []
    chunk = bytearray()
    for character in value:
        encoded = character.encode("utf-8")
        if len(chunk) + len(encoded) > ENCODED_WORD_BYTES:
            words.append(f"=?utf-8?b?{binascii.b2a_base64(chunk, newline=False).decode('ascii')}?=")
            chunk.clear()
        chunk += encoded
    words.append(f"=?utf-8?b?{binascii.b2a_base64(chunk, newline=False).decode('ascii')}?=")
    return "\r\n ".join(words)


def _header(name: str, value: str) -> bytes:
    value = _single_line(value)
    if value.isascii():
        if len(name) + len(value) < 76:
            return f"{name}: {value}\r\n".encode("ascii")
        encoded = Header(value, "us-ascii", header_name=name).encode(linesep="\r\n")
    else:
        # The email package's encoder weighs every character to choose its encoding: too slow for
        # a campaign where many names and subjects are beyond ASCII. Base64 words read the same.
        encoded = _encoded_words(value)
    return f"{name}: {encoded}\r\n".encode("ascii")


@lru_cache(maxsize=2)
def _date_header(second: int) -> bytes:
    return _header("Date", format_datetime(datetime.fromtimestamp(second, UTC)))


@lru_cache(maxsize=1024)
def _address_header(name: str, address: str, display: str = "") -> bytes:
    """`name: display <address>`, the display name quoted or RFC 2047-encoded as it needs, the
    domain in IDNA form. A local part beyond ASCII stays UTF-8 (it needs SMTPUTF8 anyway)."""
    address = _single_line(address)
    local, _, domain = address.rpartition("@")
    if domain and not domain.isascii():
        address = f"{local}@{domain.encode('idna').decode('ascii')}"
    display = _single_line(display)
    value = formataddr((display, address), charset="utf-8") if display else address
    return f"{name}: {value}\r\n".encode()


def _list_header(name: str, value: str) -> bytes:
    # List-Unsubscribe carries two long links: folding between them keeps each line readable.
    items = [item.strip() for item in value.split(",") if item.strip()]
    return f"{name}: {',\r\n '.join(items)}\r\n".encode("ascii")


def compose_message(email: OutgoingEmail, *, date: Any = None) -> bytes:
    """The RFC 5322 bytes of `email`: a text and an HTML alternative, CRLF line ends throughout."""
    boundary = f"=_ll_{secrets.token_hex(12)}"
    head = [
        _address_header("From", email.from_email, email.from_name),
        _address_header("To", email.recipient),
    ]
    if email.reply_to:
        head.append(_address_header("Reply-To", email.reply_to))
    head.append(_header("Subject", email.subject))
    head.append(_header("Date", format_datetime(date)) if date else _date_header(int(time.time())))
    for name, value in email.headers.items():
        if name.lower() == "list-unsubscribe":
            head.append(_list_header(name, value))
        else:
            head.append(_header(name, value))
    head.append(b"MIME-Version: 1.0\r\n")
    head.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'.encode("ascii"))
    part_head = 'Content-Type: {}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    marker = f"--{boundary}\r\n".encode("ascii")
    return b"".join(
        [
            *head,
            b"\r\n",
            marker,
            part_head.format("text/plain").encode("ascii"),
            quoted_printable(email.text),
            b"\r\n",
            marker,
            part_head.format("text/html").encode("ascii"),
            email.html_encoded or quoted_printable(email.html),
            b"\r\n",
            f"--{boundary}--\r\n".encode("ascii"),
        ]
    )


def message_bytes(email: OutgoingEmail) -> bytes:
    """What goes after DATA: the composed message, signed when the sending domain has a key."""
    data = compose_message(email)
    return dkim_sign(data, email.dkim) if email.dkim is not None else data


@contextlib.contextmanager
def _quietly() -> Iterator[None]:
    # Leadline configures mail through the EMAIL_* settings (from EMAIL_URL), which Django 6.1
    # deprecates in favour of MAILERS; reading them should not warn on every run.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        yield


# --- SMTP ---------------------------------------------------------------------------------------------


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {_single_line(text)}".strip()[:RESPONSE_MAX_LENGTH]


def classify(code: int) -> Outcome:
    if 200 <= code < 300:
        return Outcome.SENT
    if 500 <= code < 600:
        return Outcome.FAILED
    return Outcome.RETRY


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_settings(cls) -> SmtpServer:
        with _quietly():
            return cls(
                host=settings.EMAIL_HOST,
                port=int(settings.EMAIL_PORT),
                username=settings.EMAIL_HOST_USER or "",
                password=settings.EMAIL_HOST_PASSWORD or "",
                use_tls=bool(settings.EMAIL_USE_TLS),
                use_ssl=bool(settings.EMAIL_USE_SSL),
                timeout=float(settings.EMAIL_TIMEOUT or DEFAULT_TIMEOUT),
            )


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _put(connection: smtplib.SMTP, commands: str) -> None:
    """Write one or more commands (CRLF between them) in a single send."""
    connection.send(f"{commands}\r\n")


def _dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: lines starting with a dot get another (RFC 5321 §4.5.2), then the end mark."""
    if data.startswith(b".") or b"\n." in data:  # rare: the search is much cheaper than the pattern
        data = _LEADING_DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _smtp_address(address: str) -> str:
    local, _, domain = address.rpartition("@")
    if domain and not domain.isascii():
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    return address


class SmtpTransport:
    """A persistent SMTP connection for a run of messages."""

    name = "SMTP"

    def __init__(self, server: SmtpServer | None = None) -> None:
        self.server = server or SmtpServer.from_settings()
        self.connection: smtplib.SMTP | None = None
        self.connections_opened = 0

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        try:
            connection: smtplib.SMTP
            if server.use_ssl:
                connection = smtplib.SMTP_SSL(
                    server.host,
                    server.port,
                    local_hostname=DNS_NAME.get_fqdn(),
                    timeout=server.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                connection = smtplib.SMTP(
                    server.host, server.port, local_hostname=DNS_NAME.get_fqdn(), timeout=server.timeout
                )
            connection.ehlo()
            if server.use_tls:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if server.username:
                connection.login(server.username, server.password)
        except (smtplib.SMTPException, OSError) as error:
            raise TransportUnavailable(
                f"Could not connect to the mail server {server.host}:{server.port}: {error}"
            ) from error
        self.connections_opened += 1
        return connection

    def _discard(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.close()
        self.connection = None

    def _refused(self, connection: smtplib.SMTP, code: int, reply: bytes | str, stage: str) -> Delivery:
        outcome = classify(code) if code >= 400 else Outcome.RETRY
        if code == 421 or code < 0:
            self._discard()  # the server is closing the connection
        else:
            try:
                connection.rset()
            except (smtplib.SMTPException, OSError):
                self._discard()
        return Delivery(outcome, f"{stage}: {_reply_text(code, reply)}"[:RESPONSE_MAX_LENGTH])

    def send(
        self,
        email: OutgoingEmail,
        data: bytes | None = None,
        *,
        before_data: Callable[[], object] | None = None,
        while_waiting: Callable[[], object] | None = None,
    ) -> Delivery:
        """Send `email` (its bytes `data`, composed here when not given) in one SMTP transaction.

        Two hooks let the caller use the time the server takes to answer. `before_data` runs exactly
        once, while the envelope is with the server and always before a byte of this message's data
        leaves (if it raises, the message is not sent and the connection is dropped): the sending
        engine records the previous message there, so it is marked sent before this one can be.
        `while_waiting` runs at most once, while the server reads the data, before its reply is read.
        """
        pending = before_data

        def settle_before_data() -> None:
            nonlocal pending
            if pending is not None:
                hook, pending = pending, None
                try:
                    hook()
                except BaseException:
                    # The envelope may be with the server: it must see no data from us now.
                    self._discard()
                    raise

        try:
            if data is None:
                data = message_bytes(email)
            if self.connection is None:
                self.connection = self._connect()
            return self._transaction(self.connection, email, data, settle_before_data, while_waiting)
        finally:
            settle_before_data()

    def _transaction(
        self,
        connection: smtplib.SMTP,
        email: OutgoingEmail,
        data: bytes,
        before_data: Callable[[], None],
        while_waiting: Callable[[], object] | None,
    ) -> Delivery:
        mail_from = _smtp_address(email.mail_from)
        recipient = _smtp_address(email.recipient)
        if any(char in address for address in (mail_from, recipient) for char in "\r\n<>"):
            before_data()
            return Delivery(Outcome.FAILED, "The address cannot be used in an SMTP envelope.")
        options = ""
        if not (recipient.isascii() and mail_from.isascii()) and connection.has_extn("smtputf8"):
            options = " SMTPUTF8"
            connection.command_encoding = "utf-8"
        mail = f"MAIL FROM:<{mail_from}>{options}"
        rcpt = f"RCPT TO:<{recipient}>"
        try:
            if connection.has_extn("pipelining"):
                # RFC 2920: the envelope and DATA in one write, the three replies read together.
                _put(connection, f"{mail}\r\n{rcpt}\r\nDATA")
                before_data()
                replies = [connection.getreply(), connection.getreply(), connection.getreply()]
                for (code, reply), (stage, wanted) in zip(
                    replies, (("MAIL FROM", (250,)), ("RCPT TO", (250, 251)), ("DATA", (354,))), strict=True
                ):
                    if code not in wanted:
                        if replies[2][0] == 354:
                            # DATA was taken though the envelope was not: the lone dot ends it empty.
                            _put(connection, ".")
                            connection.getreply()
                        return self._refused(connection, code, reply, stage)
            else:
                _put(connection, mail)
                before_data()
                code, reply = connection.getreply()
                if code != 250:
                    return self._refused(connection, code, reply, "MAIL FROM")
                _put(connection, rcpt)
                code, reply = connection.getreply()
                if code not in (250, 251):
                    return self._refused(connection, code, reply, "RCPT TO")
                _put(connection, "DATA")
                code, reply = connection.getreply()
                if code != 354:
                    return self._refused(connection, code, reply, "DATA")
            connection.send(_dot_stuffed(data))
            if while_waiting is not None:
                while_waiting()
            code, reply = connection.getreply()
        except (smtplib.SMTPException, OSError) as error:
            # A timeout, a reset or a server that hung up: we cannot know where the conversation
            # stands, so the connection is thrown away and the message tried again later.
            self._discard()
            detail = str(error) or type(error).__name__
            return Delivery(Outcome.RETRY, f"The connection to the mail server failed: {detail}"[:500])
        finally:
            connection.command_encoding = "ascii"
        if code != 250:
            return self._refused(connection, code, reply, "DATA")
        return Delivery(Outcome.SENT, _reply_text(code, reply))

    def answered(self) -> bool:
        """Whether the server's next reply has arrived (or cannot come), without waiting for it: the
        sender uses the time the server takes to render what comes next."""
        connection = self.connection
        sock = getattr(connection, "sock", None)
        if sock is None:
            return True
        try:
            return bool(select.select([sock], [], [], 0)[0])
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self._discard()


# --- Any other Django email backend ------------------------------------------------------------------


class BackendTransport:
    """Django's email backend configured by EMAIL_URL (outbox, console, an ESP through anymail), with
    its connection kept open for the run."""

    def __init__(self, connection: Any = None) -> None:
        if connection is None:
            from django.core.mail import mailers

            with _quietly():
                connection = mailers.default
        from anymail.backends.base import AnymailBaseBackend

        self.connection = connection
        self.is_anymail = isinstance(connection, AnymailBaseBackend)
        self.name = (
            str(connection.esp_name) if self.is_anymail else type(connection).__module__.rsplit(".", 1)[-1]
        )
        try:
            connection.open()
        except Exception as error:
            raise TransportUnavailable(f"Could not open the email backend: {error}") from error
        self.connections_opened = 1

    def message(self, email: OutgoingEmail) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.text,
            from_email=email.from_header,
            to=[email.recipient],
            reply_to=[email.reply_to] if email.reply_to else None,
            headers=dict(email.headers),
        )
        message.attach_alternative(email.html, "text/html")
        if self.is_anymail:
            message.metadata = dict(email.metadata)  # type: ignore[attr-defined]
        return message

    def send(
        self,
        email: OutgoingEmail,
        data: bytes | None = None,
        *,
        before_data: Callable[[], object] | None = None,
        while_waiting: Callable[[], object] | None = None,
    ) -> Delivery:
        """Hand `email` to the backend (`data` is not used: the backend composes its own message).
        The hooks are those of `SmtpTransport.send`; `before_data` runs before the backend is called,
        and `while_waiting` is not called, since the backend gives no moment to use."""
        if before_data is not None:
            before_data()
        message = self.message(email)
        try:
            count = self.connection.send_messages([message])
        except Exception as error:
            return self._error(error)
        status = getattr(message, "anymail_status", None)
        provider_id = ""
        if status is not None:
            provider_id = "" if status.message_id is None else str(status.message_id)
            states = set(status.status or ())
            if states and states <= {"rejected", "invalid"}:
                return Delivery(
                    Outcome.FAILED,
                    f"{self.name} refused the message ({', '.join(sorted(states))})",
                    provider_id,
                )
        if not count:
            return Delivery(Outcome.RETRY, f"The {self.name} backend did not take the message.")
        return Delivery(Outcome.SENT, f"Accepted by {self.name}", provider_id[:255])

    def _error(self, error: Exception) -> Delivery:
        try:
            text = str(error)
        except Exception:  # an exception that cannot describe itself still has its arguments
            text = " ".join(str(argument) for argument in error.args)
        detail = _single_line(text)[:RESPONSE_MAX_LENGTH] or type(error).__name__
        from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused

        if isinstance(error, AnymailRecipientsRefused):
            return Delivery(Outcome.FAILED, detail)
        if isinstance(error, AnymailAPIError):
            status_code = getattr(error, "status_code", None)
            # The ESP said no to this message (4xx, except "slow down" and timeouts): sending it again
            # would get the same answer. Server errors and no answer at all are worth another try.
            if status_code is not None and 400 <= status_code < 500 and status_code not in (408, 429):
                return Delivery(Outcome.FAILED, detail)
            return Delivery(Outcome.RETRY, detail)
        if isinstance(error, AnymailError):
            return Delivery(Outcome.FAILED, detail)
        if isinstance(error, smtplib.SMTPResponseException):
            return Delivery(classify(error.smtp_code), _reply_text(error.smtp_code, error.smtp_error))
        return Delivery(Outcome.RETRY, detail)

    def answered(self) -> bool:
        """Always: the backend answers when it is called, with no moment in between to use."""
        return True

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a connection that may already have failed
            self.connection.close()


Transport = SmtpTransport | BackendTransport


def open_transport() -> Transport:
    """The transport EMAIL_URL asks for. Opening an SMTP connection waits for the first message."""
    with _quietly():
        backend = settings.EMAIL_BACKEND
    if backend == SMTP_BACKEND:
        return SmtpTransport()
    return BackendTransport()
