"""A real SMTP server for tests: aiosmtpd on a free loopback port, in a background thread.

It captures every message it accepts, and can play a faulty server: refuse the next messages with a
temporary (451) or permanent (550) reply, refuse chosen recipients, or go down. Fixtures:

- `smtp_server` — the running server (an `SmtpSink`); nothing is pointed at it yet.
- `smtp_mail` — the same server, with Django's SMTP backend configured to send to it.

Use them from any test folder by importing them into its conftest.py:
`from tests.fixtures_smtp import smtp_mail, smtp_server  # noqa: F401`.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

HOST = "127.0.0.1"
# aiosmtpd logs every SMTP command at INFO; a failing test's output should show the test, not those.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass(frozen=True)
class CapturedMessage:
    mail_from: str
    recipients: list[str]
    raw: bytes
    message: EmailMessage

    def __getitem__(self, header: str) -> str:
        value = self.message[header]
        return str(value) if value is not None else ""

    @property
    def subject(self) -> str:
        return self["Subject"]

    @property
    def text(self) -> str:
        """The plain-text body with the wire's CRLF line ends turned back into newlines."""
        part = self.message.get_body(preferencelist=("plain",))
        return str(part.get_content()).replace("\r\n", "\n") if part is not None else ""  # type: ignore[attr-defined]

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return str(part.get_content()).replace("\r\n", "\n") if part is not None else ""  # type: ignore[attr-defined]


class SmtpSink:
    """What the server received, and switches to make it misbehave."""

    def __init__(self) -> None:
        self.host = HOST
        self.port = 0
        self.messages: list[CapturedMessage] = []
        self._failures: list[str] = []
        self._rejected_recipients: dict[str, str] = {}
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    def go_down(self) -> None:
        """Stop listening: connections to the port are refused from now on, as with a dead server."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def fail_next(self, count: int = 1, reply: str = "451 4.3.0 Temporary failure, try again later") -> None:
        """Answer the next `count` messages with `reply` instead of accepting them."""
        with self._changed:
            self._failures.extend([reply] * count)

    def reject_recipient(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        self._rejected_recipients[address.lower()] = reply

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[CapturedMessage]:
        """Block until at least `count` messages arrived (a condition, not a sleep); return them all."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            if len(self.messages) < count:
                raise AssertionError(
                    f"expected {count} message(s), the SMTP server received {len(self.messages)}"
                )
            return list(self.messages)

    def to(self, address: str) -> list[CapturedMessage]:
        return [
            message for message in self.messages if address.lower() in (r.lower() for r in message.recipients)
        ]

    # aiosmtpd handler hooks, run in the server's thread.
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        rejection = self._rejected_recipients.get(address.lower())
        if rejection:
            return rejection
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._changed:
            if self._failures:
                return self._failures.pop(0)
            raw = envelope.original_content or envelope.content
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            self.messages.append(
                CapturedMessage(
                    mail_from=str(envelope.mail_from),
                    recipients=[str(address) for address in envelope.rcpt_tos],
                    raw=raw,
                    message=parsed,  # type: ignore[arg-type]
                )
            )
            self._changed.notify_all()
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    last_error: Exception | None = None
    for _attempt in range(5):  # another process may grab the probed port before the server binds it
        sink.port = _free_port()
        controller = Controller(sink, hostname=HOST, port=sink.port, ready_timeout=10)
        try:
            controller.start()
        except Exception as error:
            last_error = error
            continue
        sink._controller = controller
        try:
            yield sink
        finally:
            sink.go_down()
        return
    raise RuntimeError(f"could not start the test SMTP server: {last_error}")


@contextmanager
def _quietly() -> Iterator[None]:
    # Leadline configures mail through the EMAIL_* settings, which Django 6.1 marks as deprecated.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"The EMAIL_\w+ setting is deprecated")
        yield


@pytest.fixture
def smtp_mail(smtp_server: SmtpSink) -> Iterator[SmtpSink]:
    """Django's SMTP backend pointed at the test server, as EMAIL_URL=smtp://127.0.0.1:PORT would."""
    override = override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=smtp_server.host,
        EMAIL_PORT=smtp_server.port,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=10,
    )
    with _quietly():
        override.enable()
    try:
        yield smtp_server
    finally:
        with _quietly():
            override.disable()
