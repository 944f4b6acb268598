"""Periodic work of sending domains: each domain's DNS is checked again once a day, and admins hear
about it when a record that was in place stops being so (a DNS change broke it).

Registered with @periodic when `leadline.mail.tasks` imports this module.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from leadline.accounts.models import User
from leadline.core.notifications import notify
from leadline.core.scheduler import periodic
from leadline.mail import domains
from leadline.mail.models import SendingDomain

logger = logging.getLogger(__name__)

RECHECK_AFTER = timedelta(days=1)
# A few domains a run: each check waits on DNS, and an hourly run spreads them over the day.
BATCH_SIZE = 20
BROKEN = (domains.MISSING, domains.WRONG)


def _statuses(results: dict[str, object] | None) -> dict[str, str]:
    checks = (results or {}).get("checks") or []
    return {
        str(check.get("key")): str(check.get("status"))
        for check in checks  # type: ignore[attr-defined]
        if isinstance(check, dict)
    }


def _newly_broken(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [key for key, status in after.items() if status in BROKEN and before.get(key) == domains.OK]


def domains_recheck(*, batch_size: int = BATCH_SIZE) -> int:
    """Check the domains not checked in the last day; returns how many were checked."""
    moment = timezone.now()
    due = SendingDomain.objects.filter(
        Q(checked_at__isnull=True) | Q(checked_at__lte=moment - RECHECK_AFTER)
    ).order_by("checked_at", "id")[:batch_size]
    checked = 0
    for domain in due:
        before = _statuses(domain.check_results)
        try:
            results = domains.domain_check(domain=domain)
        except Exception:
            logger.exception("Daily check of sending domain %s failed", domain.domain)
            continue
        checked += 1
        broken = _newly_broken(before, _statuses(results))
        if broken:
            _tell_admins(domain, broken)
    return checked


def _tell_admins(domain: SendingDomain, broken: list[str]) -> None:
    labels = {check["key"]: check["label"] for check in domain.check_results.get("checks", [])}
    names = ", ".join(labels.get(key, key) for key in broken)
    name = domains.display_domain(domain.domain)
    stamp = domain.checked_at.date().isoformat() if domain.checked_at else ""
    for admin in User.objects.get_queryset().admins():
        notify(
            user=admin,
            kind="mail.domain_broken",
            title=f"{name}: {names} no longer in place",
            body="A DNS record that was correct is now missing or wrong, so email from this domain may land in spam.",
            url=reverse("mail:domain_detail", args=[domain.public_id]),
            key=f"mail.domain_broken:{domain.public_id}:{'+'.join(broken)}:{stamp}",
        )


@periodic(every=timedelta(hours=1))
def recheck_sending_domains() -> int:
    return domains_recheck()
