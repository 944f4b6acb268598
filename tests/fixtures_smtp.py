"""A real SMTP server for tests: aiosmtpd on a free loopback port, in a background thread.

It captures every message it accepts, and can play a faulty server: refuse the next messages with a
temporary (421, 451) or permanent (550) reply, refuse chosen recipients for good or for the next few
tries, answer nothing at all until the client gives up (a stall), hang up in the middle of DATA, run
something (say, kill the sending process) when a given message arrives, or go down. Fixtures:

- `smtp_server` — the running server (an `SmtpSink`); nothing is pointed at it yet.
- `smtp_mail` — the same server, with Django's SMTP backend configured to send to it.

Use them from any test folder by importing them into its conftest.py:
`from tests.fixtures_smtp import smtp_mail, smtp_server  # noqa: F401`.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import socket
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, syntax
from django.test import override_settings

HOST = "127.0.0.1"
# How long a stalled reply waits for the client to give up before the server gives up itself.
STALL_SECONDS = 60.0
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
        # Every message whose data arrived, kept or not (refused, stalled, interrupted).
        self.received = 0
        self.connections = 0
        self._failures: list[str] = []
        self._rejected_recipients: dict[str, str] = {}
        self._failing_recipients: dict[str, list[str]] = {}
        self._stalls = 0
        self._drops = 0
        self._interruptions: dict[int, Callable[[], object]] = {}
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    def go_down(self) -> None:
        """Stop listening: connections to the port are refused from now on, as with a dead server."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def fail_next(self, count: int = 1, reply: str = "451 4.3.0 Temporary failure, try again later") -> None:
        """Answer the next `count` messages with `reply` instead of accepting them. A 421 reply also
        closes the connection, as a server shutting down does."""
        with self._changed:
            self._failures.extend([reply] * count)

    def reject_recipient(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        self._rejected_recipients[address.lower()] = reply

    def fail_recipient(
        self, address: str, reply: str = "451 4.2.0 Mailbox busy, try again later", times: int = 1
    ) -> None:
        """Refuse `address` at RCPT with `reply` for its next `times` tries, then take it."""
        with self._changed:
            self._failing_recipients.setdefault(address.lower(), []).extend([reply] * times)

    def stall_next(self, count: int = 1) -> None:
        """Receive the next `count` messages but never answer them: the client must time out. The
        messages are not kept (the server never said it took them)."""
        with self._changed:
            self._stalls += count

    def drop_next(self, count: int = 1) -> None:
        """Hang up in the middle of the next `count` messages' DATA."""
        with self._changed:
            self._drops += count

    def interrupt_at(self, number: int, action: Callable[[], object]) -> None:
        """When the data of the `number`-th message (counting from 1, every message received) has
        arrived, run `action` before answering, then hang up without keeping the message: for
        example kill the process that is sending, as a crash at the worst moment would."""
        with self._changed:
            self._interruptions[number] = action

    @property
    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages]

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
        with self._changed:
            failing = self._failing_recipients.get(address.lower())
            if failing:
                return failing.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _take_drop(self) -> bool:
        with self._changed:
            if self._drops:
                self._drops -= 1
                return True
            return False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._changed:
            self.received += 1
            interruption = self._interruptions.pop(self.received, None)
            stall = self._stalls > 0
            if stall:
                self._stalls -= 1
        if interruption is not None:
            interruption()
            server.transport.close()
            return "421 4.3.2 Shutting down"
        if stall:
            waited = 0.0
            while (
                waited < STALL_SECONDS and server.transport is not None and not server.transport.is_closing()
            ):
                await asyncio.sleep(0.05)
                waited += 0.05
            return "451 4.4.2 Timed out"
        with self._changed:
            if self._failures:
                reply = self._failures.pop(0)
                if reply.startswith("421"):
                    asyncio.get_running_loop().call_soon(server.transport.close)
                return reply
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


class _FaultySmtp(SMTP):
    """aiosmtpd's server, able to hang up halfway through receiving a message."""

    def __init__(self, sink: SmtpSink, **kwargs: Any) -> None:
        super().__init__(sink, **kwargs)
        self.sink = sink

    def connection_made(self, transport: Any) -> None:
        self.sink.connections += 1
        super().connection_made(transport)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if self.envelope is None or not self.envelope.rcpt_tos or not self.sink._take_drop():
            await super().smtp_DATA(arg)
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.readuntil(b"\r\n")  # the first line, then the line goes dead
        assert self.transport is not None
        self.transport.close()


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _FaultySmtp(self.handler, **self.SMTP_kwargs)


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
        controller = _Controller(sink, hostname=HOST, port=sink.port, ready_timeout=10)
        try:
            controller.start()
        except Exception as error:
            last_error = error
            continue
        sink._controller = controller
        sink.connections = 0  # not the controller's own readiness probe
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
