"""`leadline bench send`: a personalised, link-tracked campaign to N contacts into a local SMTP sink.

Leadline's path is the whole of it: the campaign's N rows are queued through the outbox, then the
sending engine claims them in batches, re-checks suppression and unsubscribes, renders each email
(merge tags, tracked links, open pixel, unsubscribe headers, VERP return path), sends it over a
persistent SMTP connection and marks it sent, one statement per message before the next message's
data goes out (on PostgreSQL sent ahead on a connection of its own, committing while the next
messages are rendered), then writes the batch's timeline entries. The sink offers PIPELINING as
Postfix does (LEADLINE_BENCH_SMTP_PIPELINING=0 turns it off); Leadline uses it, smtplib never does.
The baseline, in the same run, is a raw `smtplib` loop sending the very bytes Leadline rendered (made
again after the timed part) over as many connections as Leadline used. The sink is aiosmtpd in its
own process, made fast: it reads a message's data in one go, counts it and answers 250.

Ratio `send` = Leadline's messages per second ÷ the raw loop's (1.0 = as fast as bare SMTP). The run
checks that the sink received every message, once per path. DKIM signing is left out of both (no
sending domain has a key): its RSA signature is the same cost whoever makes it.
"""

from __future__ import annotations

import os
import random
import smtplib
import subprocess
import sys
import time
from typing import Any

from leadline.core.bench import BenchReport, Echo, Measurement

BATCH = 5000
SINK_PIPELINING = "LEADLINE_BENCH_SMTP_PIPELINING"
BOUNCE_DOMAIN = "bounces.bench.example"
_FIRST = ["Ava", "Ben", "Chloe", "Dan", "Elif", "Finn", "Grace", "Hugo", "Isla", "Jonas", "Kira", "Zoë"]
_LAST = ["Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "García", "Hansen", "Ito", "Jones"]
_CITIES = [("London", "GB"), ("Berlin", "DE"), ("Paris", "FR"), ("Austin", "US"), ("Toronto", "CA")]
NEWSLETTER = """\
# {{ first_name | default:"Hello" }}, here is what is new this month

We have been busy at Northwind. Here is a short round-up for {{ company | default:"you" }} in
{{ city | default:"your city" }}.

## Spring catalogue

Forty new pieces, designed in Bristol and made to last. [Browse the catalogue](https://northwind.example/catalogue?season=spring)
or [see what is on sale](https://northwind.example/sale).

## A new studio

Our second studio opens in May. [Read the story](https://northwind.example/blog/new-studio), then
[come and visit](https://northwind.example/visit) — we would love to show you around.

## Talk to us

{{ owner_first_name | default:"Our team" }} is happy to help you plan your next project.
[Book a call]({{ booking_link }}) at a time that suits you.

Thanks for reading,
The Northwind team
"""


# --- The sink (its own process) ----------------------------------------------------------------------


def run_sink() -> None:
    """A fast aiosmtpd sink: prints its port, then the number of messages received for each line
    read on stdin; ends when stdin closes. It offers PIPELINING in its EHLO reply, as a real mail
    server does, unless told not to."""
    import asyncio
    import logging

    from aiosmtpd.smtp import SMTP, syntax

    logging.getLogger("mail.log").setLevel(logging.ERROR)
    pipelining = os.environ.get(SINK_PIPELINING, "1") != "0"
    received = 0

    class CountingSmtp(SMTP):
        @syntax("DATA")
        async def smtp_DATA(self, arg: str) -> None:
            nonlocal received
            if self.envelope is None or not self.envelope.rcpt_tos:
                await self.push("503 Error: need RCPT command")
                return
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            while True:
                try:
                    await self._reader.readuntil(b"\r\n.\r\n")
                    break
                except asyncio.LimitOverrunError as error:
                    await self._reader.readexactly(error.consumed)
            received += 1
            self._set_post_data_state()
            await self.push("250 2.0.0 Ok: queued")

    class Handler:
        async def handle_EHLO(
            self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
        ) -> list[str]:
            session.host_name = hostname
            # Postfix, Exim and the relays of email services all offer RFC 2920 pipelining. The
            # list ends with its last line ("250 HELP"): the extension goes before it.
            if pipelining:
                return [*responses[:-1], "250-PIPELINING", responses[-1]]
            return responses

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: CountingSmtp(Handler(), hostname="sink.bench.example"), "127.0.0.1", 0
        )
        print(server.sockets[0].getsockname()[1], flush=True)
        while await loop.run_in_executor(None, sys.stdin.readline):
            print(received, flush=True)

    asyncio.run(serve())


class Sink:
    def __init__(self, *, pipelining: bool = True) -> None:
        self.pipelining = pipelining
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from leadline.mail.bench_send import run_sink; run_sink()"],
            env={**os.environ, SINK_PIPELINING: "1" if pipelining else "0"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def count(self) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- Data -------------------------------------------------------------------------------------------


def _seed(scale: int, rng: random.Random) -> tuple[Any, list[Any]]:
    from leadline.accounts.models import Role, User
    from leadline.contacts.models import Company, Contact
    from leadline.mail.models import Campaign, Layout, SenderIdentity, Template

    owners = [
        User.objects.create(email=f"owner{number}@bench.example", role=Role.SALES, first_name=name)
        for number, name in enumerate(["Maya", "Omar", "Lena"])
    ]
    companies = Company.objects.bulk_create(
        [
            Company(name=f"Firm {number}", domain=f"firm{number}.example")
            for number in range(max(scale // 30, 1))
        ],
        batch_size=BATCH,
    )
    contacts = []
    for number in range(scale):
        city, country = rng.choice(_CITIES)
        contacts.append(
            Contact(
                email=f"reader{number}@bench.example",
                first_name=rng.choice(_FIRST),
                last_name=rng.choice(_LAST),
                city=city,
                country=country,
                company=rng.choice(companies) if rng.random() < 0.6 else None,
                owner=rng.choice(owners) if rng.random() < 0.3 else None,
            )
        )
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    sender = SenderIdentity.objects.create(
        from_name="Northwind Studio",
        from_email="news@northwind.example",
        reply_to="hello@northwind.example",
        postal_address="Northwind Studio Ltd, 12 Harbour Street, Bristol BS1 4QA",
        is_default=True,
    )
    layout = Layout.objects.filter(is_default=True).first() or Layout.objects.create(
        name="Bench",
        html='<div>{{ content }}</div><p>{{ postal_address }} · <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
    )
    template = Template.objects.create(
        name="Spring newsletter",
        subject='{{ first_name | default:"Hello" }}, spring news from Northwind',
        preheader="Forty new pieces and a new studio",
        body=NEWSLETTER,
        layout=layout,
    )
    campaign = Campaign.objects.create(
        name="Spring newsletter", template=template, sender=sender, status=Campaign.Status.SENDING
    )
    return campaign, list(Contact.objects.select_related(None).order_by("id"))


def _queue(campaign: Any, contacts: list[Any]) -> int:
    from leadline.mail.models import Template
    from leadline.mail.outbox import Outgoing, outbox_enqueue_many

    return outbox_enqueue_many(
        Outgoing(
            key=f"campaign:{campaign.public_id}:{contact.public_id}",
            to_email=contact.email,
            contact=contact,
            sender=campaign.sender,
            template=campaign.template,
            kind=Template.Kind.MARKETING,
            campaign=campaign,
        )
        for contact in contacts
    )


def _rendered_again(campaign: Any) -> list[tuple[str, str, bytes]]:
    """The bytes Leadline sent, made again for the baseline (outside the timing)."""
    from leadline.mail.models import OutboundMessage
    from leadline.mail.sending import _Renderer, with_related
    from leadline.mail.transport import message_bytes

    renderer = _Renderer()
    payloads = []
    ids = list(OutboundMessage.objects.filter(campaign=campaign).order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), 2000):
        for row in with_related(
            OutboundMessage.objects.filter(id__in=ids[start : start + 2000]).order_by("id")
        ):
            email = renderer.prepare(row)
            payloads.append((email.mail_from, email.recipient, message_bytes(email)))
    return payloads


def _raw_loop(payloads: list[tuple[str, str, bytes]], *, port: int, connections: int) -> None:
    from django.core.mail.utils import DNS_NAME

    size = -(-len(payloads) // connections)
    for start in range(0, len(payloads), size):
        client = smtplib.SMTP("127.0.0.1", port, local_hostname=DNS_NAME.get_fqdn(), timeout=30)
        for mail_from, recipient, data in payloads[start : start + size]:
            client.sendmail(mail_from, [recipient], data)
        client.quit()


# --- The benchmark -------------------------------------------------------------------------------------


def bench_send(scale: int, echo: Echo) -> BenchReport:
    from django.db import connection
    from django.test import override_settings

    from leadline.mail.models import OutboundMessage
    from leadline.mail.sending import marks_in_background, outbox_send_due

    rng = random.Random(42)
    echo(f"Seeding {scale:,} contacts and a campaign…")
    campaign, contacts = _seed(scale, rng)
    # LEADLINE_BENCH_SMTP_PIPELINING=0: a sink that does not offer PIPELINING, so that both paths
    # speak one command at a time (smtplib, and so the baseline, never pipelines).
    sink = Sink(pipelining=os.environ.get(SINK_PIPELINING, "1") != "0")
    details = []
    try:
        mail_settings = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=sink.port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=30,
            LEADLINE_SEND_RATE=0,
            LEADLINE_BOUNCE_DOMAIN=BOUNCE_DOMAIN,
        )
        with mail_settings:
            echo("Leadline: queue the campaign, then claim, render, send and mark each message…")
            started, cpu_started = time.perf_counter(), time.process_time()
            queued = _queue(campaign, contacts)
            queued_at = time.perf_counter()
            report = outbox_send_due()
            leadline_seconds = time.perf_counter() - started
            leadline_cpu = time.process_time() - cpu_started
            send_seconds = time.perf_counter() - queued_at
            delivered = sink.count()
            sent_rows = OutboundMessage.objects.filter(
                campaign=campaign, state=OutboundMessage.State.SENT
            ).count()
            if not (queued == report.sent == delivered == sent_rows == scale):
                raise RuntimeError(
                    f"Leadline's path did not deliver every message once: queued {queued}, sent {report.sent}, "
                    f"marked {sent_rows}, received {delivered} of {scale}"
                )
            echo("Rendering the same messages again for the baseline (not timed)…")
            payloads = _rendered_again(campaign)
        average = sum(len(data) for _from, _to, data in payloads) / len(payloads)
        echo(f"Baseline: raw smtplib over {report.connections} connection(s)…")
        started, cpu_started = time.perf_counter(), time.process_time()
        _raw_loop(payloads, port=sink.port, connections=max(report.connections, 1))
        baseline_seconds = time.perf_counter() - started
        baseline_cpu = time.process_time() - cpu_started
        if sink.count() != 2 * scale:
            raise RuntimeError("The baseline did not deliver every message.")
    finally:
        sink.stop()
    details.append(
        f"{scale:,} messages of {average / 1024:.1f} KiB on average, {report.batches} batches, "
        f"{report.connections} SMTP connection(s) per path, {connection.vendor}, the sink "
        f"{'offering' if sink.pipelining else 'not offering'} PIPELINING (used by Leadline when offered), "
        f"each mark {'sent ahead on a connection of its own' if marks_in_background() else 'made in line'}"
    )
    details.append(
        f"Leadline: queueing {leadline_seconds - send_seconds:.1f} s, "
        f"sending {send_seconds:.1f} s; CPU time of this process {leadline_cpu:.1f} s (baseline {baseline_cpu:.1f} s)"
    )
    leadline = Measurement(scale / leadline_seconds, "messages/s", leadline_seconds)
    sending_only = Measurement(scale / send_seconds, "messages/s", send_seconds)
    baseline = Measurement(scale / baseline_seconds, "messages/s", baseline_seconds)
    return BenchReport(
        workload="send",
        scale=scale,
        results={"leadline": leadline, "leadline_sending_only": sending_only, "baseline_smtplib": baseline},
        ratios={"send": leadline.value / baseline.value},
        details=details,
    )
