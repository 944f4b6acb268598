"""The daily re-check of sending domains, and the notice admins get when a record breaks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from leadline.core.models import Notification
from leadline.mail import domains
from leadline.mail.domain_jobs import domains_recheck
from tests.mail.domains.conftest import publish_all_good

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Time moves on inside each travel: a DNS timeout is measured on the clock.


@pytest.mark.django_db
def test_it_checks_each_domain_again_once_a_day(dns_server, domain):
    publish_all_good(dns_server, domain)
    with time_machine.travel(START, tick=True):
        assert domains_recheck() == 1
        assert domains_recheck() == 0
    with time_machine.travel(START + timedelta(hours=23), tick=True):
        assert domains_recheck() == 0
    with time_machine.travel(START + timedelta(days=1, minutes=1), tick=True):
        assert domains_recheck() == 1
    domain.refresh_from_db()
    assert domain.checked_at >= START + timedelta(days=1, minutes=1)


@pytest.mark.django_db
def test_it_tells_admins_once_when_a_record_that_was_fine_breaks(dns_server, domain, alice, maria):
    publish_all_good(dns_server, domain)
    with time_machine.travel(START, tick=True):
        domains.domain_check(domain=domain)
    dns_server.records.pop((f"leadline._domainkey.{domain.domain}", "TXT"))

    with time_machine.travel(START + timedelta(days=1, hours=1), tick=True):
        domains_recheck()
        domains.domain_check(domain=domain)

    [notice] = Notification.objects.all()
    assert notice.user == alice
    assert "DKIM" in notice.title
    assert str(domain.public_id) in notice.url


@pytest.mark.django_db
def test_it_does_not_alarm_anyone_when_dns_is_silent(dns_server, domain, alice, settings):
    publish_all_good(dns_server, domain)
    with time_machine.travel(START, tick=True):
        domains.domain_check(domain=domain)
    settings.LEADLINE_DNS_TIMEOUT = 0.3
    settings.LEADLINE_DNS_LIFETIME = 0.6
    dns_server.silent = True

    with time_machine.travel(START + timedelta(days=2), tick=True):
        assert domains_recheck() == 1

    assert not Notification.objects.exists()
