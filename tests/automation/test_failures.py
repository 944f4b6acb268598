"""A step that fails is retried with backoff, then the enrolment is parked as failed with the error
shown, and a retry sends it back to the same step."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import time_machine
from django.test import override_settings

from leadline.automation.engine import MAX_ATTEMPTS, Engine
from leadline.automation.models import Enrolment, StepRun
from leadline.automation.services import enrolment_create, enrolment_retry
from leadline.automation.webhooks import WebhookError, check_url
from tests.automation.factories import make_workflow
from tests.factories import ContactFactory

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Receiver(BaseHTTPRequestHandler):
    status = 500
    calls: list[str] = []

    def do_POST(self) -> None:
        Receiver.calls.append(self.headers.get("Idempotency-Key", ""))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.calls = []
    Receiver.status = 500
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@override_settings(LEADLINE_WEBHOOKS_ALLOW_PRIVATE=True)
def test_it_retries_a_failing_webhook_then_parks_it_and_retries_on_request(receiver: str, db: None) -> None:
    with time_machine.travel(START, tick=False) as clock:
        workflow = make_workflow([{"type": "webhook", "key": "hook", "config": {"url": receiver}}])
        enrolment = enrolment_create(workflow=workflow, contact=ContactFactory(), trigger="manual")
        assert enrolment is not None
        Engine().tick()
        enrolment.refresh_from_db()
        assert enrolment.state == Enrolment.State.ACTIVE
        assert enrolment.attempts == 1
        assert enrolment.run_at == START + timedelta(minutes=1)
        assert "500" in enrolment.last_error
        for _ in range(MAX_ATTEMPTS - 1):
            clock.move_to(enrolment.run_at)
            Engine().tick()
            enrolment.refresh_from_db()
        assert enrolment.state == Enrolment.State.FAILED
        assert "The webhook answered 500." in enrolment.last_error
        assert len(Receiver.calls) == MAX_ATTEMPTS
        assert not StepRun.objects.exists()

        Receiver.status = 204
        enrolment_retry(enrolment=enrolment, actor=None)
        Engine().tick()
        enrolment.refresh_from_db()
        assert enrolment.state == Enrolment.State.COMPLETED
        assert StepRun.objects.get().outcome == "done"
        assert set(Receiver.calls) == {f"workflow:{enrolment.public_id}:hook"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.0.0.8/",
        "http://169.254.169.254/latest",
        "http://[::1]/",
        "ftp://example.org/",
        "http://localhost/",
    ],
)
def test_it_refuses_webhooks_to_private_addresses(url: str) -> None:
    with pytest.raises(WebhookError):
        check_url(url)
