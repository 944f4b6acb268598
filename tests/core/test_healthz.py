"""GET /healthz: what a load balancer or an operator sees about the database and the processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.db import OperationalError, connections

from leadline.core.models import Heartbeat, Job

NOW = datetime(2030, 7, 1, 12, 0, tzinfo=UTC)


def test_it_answers_anonymous_callers_without_caching(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"


def test_it_reports_processes_it_has_never_heard_from_as_unknown(client, db):
    body = client.get("/healthz").json()
    assert body["worker"] == {"status": "unknown", "last_seen": None}
    assert body["scheduler"] == {"status": "unknown", "last_seen": None}


def test_it_reports_recent_heartbeats_as_ok_and_old_ones_as_stale(client, db):
    Heartbeat.objects.create(process="worker", seen_at=NOW - timedelta(seconds=30))
    Heartbeat.objects.create(process="scheduler", seen_at=NOW - timedelta(minutes=10))

    with time_machine.travel(NOW, tick=False):
        body = client.get("/healthz").json()

    assert body["worker"]["status"] == "ok"
    assert body["worker"]["seconds_ago"] == 30
    assert body["scheduler"]["status"] == "stale"
    assert body["scheduler"]["last_seen"] == (NOW - timedelta(minutes=10)).isoformat()


def test_it_counts_dead_jobs_for_the_operator(client, db):
    Job.objects.create(name="leadline.core.jobs.backoff_delay", run_at=NOW, state=Job.State.DEAD)
    Job.objects.create(name="leadline.core.jobs.backoff_delay", run_at=NOW, state=Job.State.DONE)
    assert client.get("/healthz").json()["queue"]["dead_jobs"] == 1


def test_it_answers_503_when_the_database_is_unreachable(client, db, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connections["default"], "cursor", refuse)
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"status": "error", "error": "OperationalError"}
    assert "connection refused" not in response.content.decode(), "internal error text is not exposed"
