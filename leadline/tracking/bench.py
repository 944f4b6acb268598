"""`leadline bench ingest`: events through `POST /t/collect` on the real server, against two ceilings
measured in the same run.

- Leadline: the web server `leadline serve` runs (granian), on a free loopback port, against the
  benchmark's throwaway database; a load generator on loopback posts batches of 1 and of 20 events
  over keep-alive connections.
- HTTP ceiling: the same server's `/t/noop`, which answers 204 having done nothing, fed the same
  bodies through the same connections and middleware path.
- Storage ceiling: raw `executemany` of identical activity rows, one transaction per batch of 20,
  on the same database with the server stopped.
- Latency: p50/p99 of `/t/collect` at a fixed request rate (open loop: each request's latency counts
  from the moment it was due, so a stalled server cannot hide its queue).

Everything is bounded by request counts and a time cap per phase, so a run always ends by itself.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from leadline.core.bench import BenchReport, Echo, Measurement
from leadline.tracking.ingest import activity_rows, parse_batch, statements
from leadline.tracking.models import Site

HOST = "127.0.0.1"
ORIGIN = "https://www.bench.example"
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
CONCURRENCY = 8
PHASE_TIME_CAP = 20.0
LATENCY_RATE = 500
LATENCY_SECONDS = 5.0
BODY_POOL = 2000
VISITORS = 1000
PAGES = [
    "/",
    "/pricing",
    "/features",
    "/blog/why-one-line",
    "/docs/install",
    "/about",
    "/contact",
    "/customers",
]
CAMPAIGNS = [
    "?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale&utm_term=crm&gclid=Cj0KCQ",
    "?utm_source=newsletter&utm_medium=email&utm_campaign=may-digest",
    "?utm_source=linkedin&utm_medium=social&utm_campaign=launch",
]
REFERRERS = ["https://www.google.com/", "https://news.ycombinator.com/", "", "", ""]


@dataclass
class LoadResult:
    requests: int
    events: int
    errors: int
    seconds: float
    latencies: list[float]
    statuses: Counter[int] = field(default_factory=Counter)


def synthetic_bodies(site_key: str, batch_size: int, count: int, seed: int = 7) -> list[bytes]:
    """Request bodies as the snippet sends them: page views with referrers, some with campaigns."""
    rng = random.Random(seed)
    visitors = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(VISITORS)]
    now_ms = int(time.time() * 1000)
    bodies = []
    for _ in range(count):
        events = []
        for _ in range(batch_size):
            page = rng.choice(PAGES)
            query = rng.choice(CAMPAIGNS) if rng.random() < 0.2 else ""
            events.append(
                {
                    "type": "page.view",
                    "url": f"{ORIGIN}{page}{query}",
                    "referrer": rng.choice(REFERRERS),
                    "ts": now_ms - rng.randint(0, 5000),
                    "props": {"title": f"Bench page {page}"},
                }
            )
        body = {"site": site_key, "visitor": rng.choice(visitors), "events": events}
        bodies.append(json.dumps(body, separators=(",", ":")).encode())
    return bodies


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _start_server(port: int) -> subprocess.Popen[bytes]:
    from leadline.cli import _serve_command

    return subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        _serve_command(HOST, port, 1),
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _wait_until_ready(port: int, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"The server stopped on start (exit {server.returncode}).")
        try:
            probe = http.client.HTTPConnection(HOST, port, timeout=2)
            probe.request("POST", "/t/noop", body=b"{}", headers={"Content-Length": "2"})
            if probe.getresponse().status == 204:
                probe.close()
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("The server did not answer within 30 seconds.")


def _headers(body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "text/plain;charset=UTF-8",
        "Content-Length": str(len(body)),
        "Origin": ORIGIN,
        "User-Agent": USER_AGENT,
    }


def _post(conn: http.client.HTTPConnection, path: str, body: bytes) -> int:
    conn.request("POST", path, body=body, headers=_headers(body))
    response = conn.getresponse()
    response.read()
    return response.status


def run_load(
    port: int,
    path: str,
    bodies: list[bytes],
    *,
    requests: int,
    events_per_request: int,
    rate: float | None = None,
    time_cap: float = PHASE_TIME_CAP,
) -> LoadResult:
    """Send `requests` POSTs from CONCURRENCY threads on keep-alive connections.

    Closed loop (as fast as the server answers) without `rate`; open loop at `rate` requests/s with
    it, measuring each request from the moment it was due.
    """
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    totals = {"ok": 0, "errors": 0}
    statuses: Counter[int] = Counter()
    start = time.perf_counter() + 0.05
    deadline = start + time_cap

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        own: list[float] = []
        own_statuses: Counter[int] = Counter()
        ok = errors = 0
        try:
            while True:
                index = next(counter)
                if index >= requests:
                    break
                due = start + index / rate if rate else time.perf_counter()
                now = time.perf_counter()
                if now > deadline:
                    break
                if rate and due > now:
                    time.sleep(due - now)
                body = bodies[index % len(bodies)]
                try:
                    status = _post(conn, path, body)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=10)
                    status = 0
                own.append(time.perf_counter() - (due if rate else now))
                own_statuses[status] += 1
                if status == 204:
                    ok += 1
                else:
                    errors += 1
        finally:
            conn.close()
            with lock:
                latencies.extend(own)
                statuses.update(own_statuses)
                totals["ok"] += ok
                totals["errors"] += errors

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(CONCURRENCY)]
    while time.perf_counter() < start:
        time.sleep(0.001)
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=time_cap + 30)
    seconds = time.perf_counter() - began
    return LoadResult(
        requests=totals["ok"] + totals["errors"],
        events=totals["ok"] * events_per_request,
        errors=totals["errors"],
        seconds=seconds,
        latencies=latencies,
        statuses=statuses,
    )


def raw_executemany(bodies: list[bytes], *, batches: int, time_cap: float = PHASE_TIME_CAP) -> LoadResult:
    """The storage ceiling: the rows /t/collect would write for these bodies, inserted with plain
    `executemany`, one transaction per batch, with no HTTP, validation or visitor upsert."""
    sql = statements()
    columns = sql.activity_columns
    now = timezone.now()
    now_value = connection.ops.adapt_datetimefield_value(now)
    prepared = []
    for body in bodies[: min(len(bodies), batches)]:
        batch = parse_batch(body, now=now)
        prepared.append(
            activity_rows(
                batch.hits,
                contact_id=None,
                visitor_value=sql.uuid_value(batch.visitor_uuid),
                session_value=sql.uuid_value(uuid.uuid4()),
                now_value=now_value,
            )
        )
    public_id = columns.index("public_id")
    done = rows_written = 0
    began = time.perf_counter()
    while done < batches and time.perf_counter() - began < time_cap:
        rows = prepared[done % len(prepared)]
        # Fresh public ids: the column is unique, and /t/collect makes a new one for every row too.
        rows = [(*row[:public_id], sql.row_id(), *row[public_id + 1 :]) for row in rows]
        with transaction.atomic():
            sql.executemany(sql.insert_activity, rows)
        done += 1
        rows_written += len(rows)
    return LoadResult(
        requests=done, events=rows_written, errors=0, seconds=time.perf_counter() - began, latencies=[]
    )


def _rate(result: LoadResult, unit: str = "events/s") -> Measurement:
    return Measurement(result.events / result.seconds if result.seconds else 0.0, unit, result.seconds)


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def bench_ingest(scale: int, echo: Echo) -> BenchReport:
    """`scale` is the number of events each throughput phase sends."""
    site = Site.objects.create(name="Benchmark", allowed_domains=["*.bench.example"])
    batch20_requests = max(1, scale // 20)
    batch1_requests = max(1, scale)
    bodies20 = synthetic_bodies(site.key, 20, min(BODY_POOL, batch20_requests))
    bodies1 = synthetic_bodies(site.key, 1, min(BODY_POOL, batch1_requests), seed=8)
    latency_requests = max(50, min(int(LATENCY_RATE * LATENCY_SECONDS), scale))

    port = _free_port()
    echo(f"Starting the server on {HOST}:{port}…")
    server = _start_server(port)
    results: dict[str, LoadResult] = {}
    try:
        _wait_until_ready(port, server)
        echo("Warming up…")
        run_load(port, "/t/noop", bodies20, requests=200, events_per_request=20)
        run_load(port, "/t/collect", bodies20, requests=200, events_per_request=20)
        phases: list[tuple[str, Callable[[], LoadResult]]] = [
            ("noop_http", lambda: run_load(port, "/t/noop", bodies20, requests=batch20_requests, events_per_request=20)),
            ("leadline_batch20", lambda: run_load(port, "/t/collect", bodies20, requests=batch20_requests, events_per_request=20)),
            ("noop_http_batch1", lambda: run_load(port, "/t/noop", bodies1, requests=batch1_requests, events_per_request=1)),
            ("leadline_batch1", lambda: run_load(port, "/t/collect", bodies1, requests=batch1_requests, events_per_request=1)),
            ("latency", lambda: run_load(port, "/t/collect", bodies1, requests=latency_requests, events_per_request=1, rate=LATENCY_RATE)),
        ]  # fmt: skip
        for name, phase in phases:
            echo(f"{name}…")
            results[name] = phase()
    finally:
        _stop_server(server)
    echo("raw_executemany…")
    results["raw_executemany"] = raw_executemany(bodies20, batches=batch20_requests)

    latency = results.pop("latency")
    measurements = {name: _rate(result) for name, result in results.items()}
    p50, p99 = _percentile(latency.latencies, 0.50) * 1000, _percentile(latency.latencies, 0.99) * 1000
    measurements["collect_p50"] = Measurement(p50, "ms", latency.seconds)
    measurements["collect_p99"] = Measurement(p99, "ms", latency.seconds)

    def ratio(name: str, baseline: str) -> float:
        return (
            measurements[name].value / measurements[baseline].value if measurements[baseline].value else 0.0
        )

    errors = sum(result.errors for result in results.values()) + latency.errors
    details = [
        f"{CONCURRENCY} keep-alive connections; one granian worker, as `leadline serve` runs",
        f"latency at {LATENCY_RATE} requests/s of 1 event, {latency.requests:,} requests:"
        f" p50 {p50:.1f} ms, p99 {p99:.1f} ms, mean {statistics.fmean(latency.latencies or [0]) * 1000:.1f} ms",
        f"raw_executemany: the same rows, one transaction per batch of 20, on {connection.vendor}",
        f"failed requests: {errors:,}"
        + "".join(f"; {name} {dict(result.statuses)}" for name, result in results.items() if result.errors),
        f"{sys.platform}, {os.cpu_count()} CPUs",
    ]
    return BenchReport(
        workload="ingest",
        scale=scale,
        results=measurements,
        ratios={
            "storage": ratio("leadline_batch20", "raw_executemany"),
            "http": ratio("leadline_batch20", "noop_http"),
            "http_batch1": ratio("leadline_batch1", "noop_http_batch1"),
        },
        details=details,
    )
