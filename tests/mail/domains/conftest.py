"""Domain checks run against a real DNS server on 127.0.0.1 (see dns_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from leadline.mail import domains
from tests.mail.domains.dns_server import DnsServer


@pytest.fixture
def dns_server(settings: Any) -> Iterator[DnsServer]:
    server = DnsServer().start()
    settings.LEADLINE_DNS_NAMESERVERS = [server.address]
    settings.LEADLINE_DNS_TIMEOUT = 3.0
    settings.LEADLINE_DNS_LIFETIME = 5.0
    settings.EMAIL_URL = ""
    settings.LEADLINE_BOUNCE_DOMAIN = ""
    yield server
    server.stop()


@pytest.fixture
def domain(alice: Any) -> Any:
    return domains.domain_add(actor=alice, domain="northwind.example")


def publish_all_good(server: DnsServer, domain: Any) -> None:
    """The records a well set-up domain has."""
    server.set(domain.domain, "TXT", ["google-site-verification=abc", "v=spf1 include:_spf.google.com ~all"])
    server.set(
        f"{domain.dkim_selector}._domainkey.{domain.domain}", "TXT", [domains.dkim_record_value(domain)]
    )
    server.set(
        f"_dmarc.{domain.domain}", "TXT", [f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{domain.domain}"]
    )
    server.set(domain.domain, "MX", ["10 mx.northwind.example"])
