"""The weekly digest: each team gets its own numbers, the shared funnel and what changed since
the week before, by email through Django's mail (the outbox in the demo, SMTP or an ESP otherwise)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from leadline.accounts.models import Team
from leadline.analytics import selectors
from leadline.analytics.forms import today
from leadline.analytics.metrics import ReportFilters, change
from leadline.analytics.rollups import workspace_zone
from leadline.core.jobs import job_schedule

logger = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A digest found more than this late (the server was off on the day) is skipped, not sent stale.
STALE_AFTER = timedelta(days=1)


@dataclass
class DigestLine:
    label: str
    value: Any
    previous: Any

    @property
    def change(self) -> float | None:
        if not isinstance(self.value, (int, float)) or not isinstance(self.previous, (int, float)):
            return None
        return change(self.value, self.previous)


def digest_context(*, team: Team | None, week_end: date) -> dict[str, Any]:
    """The numbers of the seven days ending `week_end`, against the seven days before."""
    week = ReportFilters(start=week_end - timedelta(days=6), end=week_end)
    team_week = replace(week, team_id=team.pk if team else None)
    funnel_now = selectors.funnel(week)
    funnel_before = {row.key: row for row in selectors.funnel(week.previous())}
    wins_now = selectors.win_figures(team_week)
    wins_before = selectors.win_figures(team_week.previous())
    traffic_now = selectors.traffic_totals(week)
    traffic_before = selectors.traffic_totals(week.previous())
    revenue = selectors.revenue_totals(team_week)
    team_lines = [
        DigestLine("Deals won", wins_now["won"], wins_before["won"]),
        DigestLine("Deals lost", wins_now["lost"], wins_before["lost"]),
        DigestLine("Win rate (%)", wins_now["win_rate"], wins_before["win_rate"]),
        DigestLine("Visitors", traffic_now["visitors"], traffic_before["visitors"]),
        DigestLine("Visits", traffic_now["sessions"], traffic_before["sessions"]),
        *[DigestLine(f"Revenue ({row['currency']})", row["net"], None) for row in revenue],
    ]
    funnel_lines = [
        DigestLine(row.label, row.count, funnel_before[row.key].count if row.key in funnel_before else None)
        for row in funnel_now
    ]
    changes = [
        line for line in [*team_lines, *funnel_lines] if line.change is not None and abs(line.change) >= 20
    ]
    return {
        "team": team,
        "week": week,
        "team_lines": team_lines,
        "funnel_lines": funnel_lines,
        "changes": changes,
        "base_url": settings.BASE_URL,
    }


def digest_send(*, team: Team, week_end: date) -> int:
    recipients = sorted({member.email for member in team.members.all() if member.is_active and member.email})
    if not recipients:
        return 0
    context = digest_context(team=team, week_end=week_end)
    subject = f"{team.name}: your week in numbers ({context['week'].start:%d %b} – {week_end:%d %b})"
    body = render_to_string("analytics/digest.txt", context)
    html = render_to_string("analytics/digest.html", context)
    send_mail(subject, body, None, recipients, html_message=html)
    return len(recipients)


def digests_send_weekly(*, week_end: date | None = None) -> int:
    """One digest per team for the last full week (Monday to Sunday)."""
    if week_end is None:
        current = today()
        week_end = current - timedelta(days=current.weekday() + 1)
    sent = 0
    for team in Team.objects.prefetch_related("members").order_by("name"):
        try:
            sent += digest_send(team=team, week_end=week_end)
        except Exception:  # one team's failing mail server must not stop the others
            logger.exception("weekly digest of team %s failed", team.pk)
    return sent


def digest_due(now: datetime) -> tuple[date, datetime]:
    """The last full week (Monday to Sunday, in the workspace's zone) and the moment its digest is
    due: `LEADLINE_DIGEST_DAY` after that week, at `LEADLINE_DIGEST_HOUR` local time."""
    zone = workspace_zone()
    local = now.astimezone(zone)
    week_end = local.date() - timedelta(days=local.weekday() + 1)
    day = week_end + timedelta(days=1 + WEEKDAYS.index(settings.LEADLINE_DIGEST_DAY))
    return week_end, datetime.combine(day, time(settings.LEADLINE_DIGEST_HOUR), tzinfo=zone)


def digests_schedule(*, now: datetime | None = None) -> bool:
    """Record the last week's digest as a job due at its moment; returns whether one is recorded.

    The scheduler calls this every hour. The job's key is the week, so each week's digest is sent
    once on the chosen day, however often this runs and whenever the scheduler was started."""
    now = now or timezone.now()
    week_end, due = digest_due(now)
    if now - due > STALE_AFTER:
        return False
    job_schedule(
        name="leadline.analytics.digest.digests_send_job",
        arguments={"week_end": week_end.isoformat()},
        run_at=due,
        key=f"analytics.digest:{week_end.isoformat()}",
    )
    return True


def digests_send_job(*, week_end: str) -> int:
    """The job `digests_schedule` records: the digests of the week ending `week_end`."""
    return digests_send_weekly(week_end=date.fromisoformat(week_end))
