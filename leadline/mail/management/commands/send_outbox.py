"""`leadline manage send_outbox [--once]`: a process that does nothing but send email.

The scheduler already sends due email through the task queue; a dedicated sender suits an operator
who wants mail to go out within a second of being queued, or to run several senders side by side
(their claims never overlap). SIGTERM or Ctrl-C stops it after the message in hand; rows it had
claimed but not tried go straight back to the queue.
"""

from __future__ import annotations

import signal
import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection

from leadline.mail.sending import BATCH_SIZE, LEASE, SendReport, outbox_send_due, worker_name


class Command(BaseCommand):
    help = "Send the email that is due from the outbox, continuously (or once with --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due now, then stop.")
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Messages per claim (default {BATCH_SIZE})."
        )
        parser.add_argument(
            "--lease-seconds",
            type=float,
            default=LEASE.total_seconds(),
            help="How long a claim holds its rows before another sender may take them over "
            f"(default {LEASE.total_seconds():.0f}).",
        )
        parser.add_argument(
            "--poll-seconds", type=float, default=1.0, help="Pause when nothing is due (default 1)."
        )

    def handle(
        self,
        *args: Any,
        once: bool,
        batch_size: int,
        lease_seconds: float,
        poll_seconds: float,
        **options: Any,
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if lease_seconds < 1:
            raise CommandError("--lease-seconds must be at least 1.")
        if poll_seconds <= 0:
            raise CommandError("--poll-seconds must be more than 0.")
        stopping = False

        def stop(signum: int, _frame: object) -> None:
            nonlocal stopping
            stopping = True

        previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
        worker = worker_name()
        lease = timedelta(seconds=lease_seconds)
        self.stdout.write(f"Sending as {worker}.")
        try:
            while not stopping:
                report = outbox_send_due(
                    worker=worker, batch_size=batch_size, lease=lease, should_stop=lambda: stopping
                )
                self._print(report)
                if not connection.in_atomic_block:
                    # A long-running process: drop a connection the database closed or that aged out.
                    close_old_connections()
                if once:
                    break
                if not report.claimed:
                    # Nothing due: wait a little, waking early when asked to stop.
                    waited = 0.0
                    while not stopping and waited < poll_seconds:
                        time.sleep(min(0.1, poll_seconds))
                        waited += 0.1
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        self.stdout.write("Stopped.")

    def _print(self, report: SendReport) -> None:
        if not report.claimed:
            return
        self.stdout.write(f"{report.claimed} claimed: {report.summary}.")
        for error in report.errors[:5]:
            self.stdout.write(f"  {error}")
