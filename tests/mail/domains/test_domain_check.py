"""The DNS check of a sending domain, against a real DNS server on 127.0.0.1."""

from __future__ import annotations

import pytest

from leadline.mail import domains
from leadline.mail.models import SendingDomain
from tests.mail.domains.conftest import publish_all_good


def _by_key(results):
    return {check["key"]: check for check in results["checks"]}


@pytest.mark.django_db
def test_it_finds_every_record_of_a_well_set_up_domain(dns_server, domain):
    publish_all_good(dns_server, domain)

    results = domains.domain_check(domain=domain)

    checks = _by_key(results)
    assert results["status"] == "ok"
    assert {key: check["status"] for key, check in checks.items()} == {
        "spf": "ok",
        "dkim": "ok",
        "dmarc": "ok",
    }
    assert all(check["publish"] is None for check in checks.values())
    # the questions really went over the wire
    assert ("leadline._domainkey.northwind.example", "TXT") in dns_server.questions


@pytest.mark.django_db
def test_it_stores_the_results_and_the_time_of_the_check(dns_server, domain):
    publish_all_good(dns_server, domain)

    domains.domain_check(domain=domain)

    stored = SendingDomain.objects.get(pk=domain.pk)
    assert stored.checked_at is not None
    assert stored.check_results["status"] == "ok"
    assert len(stored.check_results["checks"]) == 3


@pytest.mark.django_db
def test_it_says_which_spf_record_to_publish_when_there_is_none(dns_server, domain):
    publish_all_good(dns_server, domain)
    dns_server.set(domain.domain, "TXT", ["google-site-verification=abc"])

    spf = _by_key(domains.domain_check(domain=domain))["spf"]

    assert spf["status"] == "missing"
    assert spf["publish"] == {"host": "northwind.example", "type": "TXT", "value": "v=spf1 mx ~all"}
    assert "@" in spf["how"]


@pytest.mark.django_db
def test_it_suggests_the_include_of_the_smtp_provider_in_use(dns_server, domain, settings):
    settings.EMAIL_URL = "smtp+tls://apikey:secret@smtp.sendgrid.net:587"
    publish_all_good(dns_server, domain)
    dns_server.set(domain.domain, "TXT", [])

    spf = _by_key(domains.domain_check(domain=domain))["spf"]

    assert spf["publish"]["value"] == "v=spf1 include:sendgrid.net ~all"


@pytest.mark.django_db
def test_it_warns_when_the_spf_record_does_not_name_the_smtp_provider(dns_server, domain, settings):
    settings.EMAIL_URL = "smtp+tls://apikey:secret@smtp.sendgrid.net:587"
    publish_all_good(dns_server, domain)

    spf = _by_key(domains.domain_check(domain=domain))["spf"]

    assert spf["status"] == "warning"
    assert "smtp.sendgrid.net" in " ".join(spf["details"])
    assert spf["publish"]["value"] == "v=spf1 include:_spf.google.com include:sendgrid.net ~all"


@pytest.mark.django_db
def test_it_calls_two_spf_records_wrong_and_offers_one_merged_record(dns_server, domain):
    publish_all_good(dns_server, domain)
    dns_server.set(
        domain.domain, "TXT", ["v=spf1 include:_spf.google.com ~all", "v=spf1 include:mailgun.org -all"]
    )

    spf = _by_key(domains.domain_check(domain=domain))["spf"]

    assert spf["status"] == "wrong"
    assert "2 SPF records" in spf["summary"]
    assert len(spf["found"]) == 2
    # DNS gives records in no set order, so the merged one may list the includes either way round.
    terms = spf["publish"]["value"].split()
    assert (terms[0], terms[-1]) == ("v=spf1", "-all")
    assert sorted(terms[1:-1]) == ["include:_spf.google.com", "include:mailgun.org"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("record", "status"),
    [
        ("v=spf1 mx -all", "ok"),
        ("v=spf1 mx ?all", "warning"),
        ("v=spf1 mx", "warning"),
        ("v=spf1 +all", "wrong"),
    ],
)
def test_it_judges_how_the_spf_record_ends(dns_server, domain, record, status):
    publish_all_good(dns_server, domain)
    dns_server.set(domain.domain, "TXT", [record])

    assert _by_key(domains.domain_check(domain=domain))["spf"]["status"] == status


@pytest.mark.django_db
def test_it_calls_a_dkim_key_that_is_not_ours_wrong(dns_server, domain):
    publish_all_good(dns_server, domain)
    _private, other_public = domains.dkim_key_pair()
    dns_server.set(f"leadline._domainkey.{domain.domain}", "TXT", [f"v=DKIM1; k=rsa; p={other_public}"])

    dkim = _by_key(domains.domain_check(domain=domain))["dkim"]

    assert dkim["status"] == "wrong"
    assert "not this domain's key" in dkim["summary"]
    assert dkim["publish"] == {
        "host": "leadline._domainkey.northwind.example",
        "type": "TXT",
        "value": f"v=DKIM1; k=rsa; p={domain.dkim_public_key}",
    }


@pytest.mark.django_db
def test_it_says_the_dkim_record_is_missing(dns_server, domain):
    publish_all_good(dns_server, domain)
    dns_server.records.pop((f"leadline._domainkey.{domain.domain}", "TXT"))

    dkim = _by_key(domains.domain_check(domain=domain))["dkim"]

    assert dkim["status"] == "missing"
    assert dkim["publish"]["value"].endswith(domain.dkim_public_key)
    assert "leadline._domainkey" in dkim["how"]


@pytest.mark.django_db
def test_it_says_the_dmarc_record_is_missing_and_suggests_one_with_reports(dns_server, domain):
    publish_all_good(dns_server, domain)
    dns_server.records.pop((f"_dmarc.{domain.domain}", "TXT"))

    dmarc = _by_key(domains.domain_check(domain=domain))["dmarc"]

    assert dmarc["status"] == "missing"
    assert dmarc["publish"] == {
        "host": "_dmarc.northwind.example",
        "type": "TXT",
        "value": "v=DMARC1; p=none; rua=mailto:dmarc-reports@northwind.example",
    }


@pytest.mark.django_db
def test_it_warns_when_dmarc_asks_for_no_reports(dns_server, domain):
    publish_all_good(dns_server, domain)
    dns_server.set(f"_dmarc.{domain.domain}", "TXT", ["v=DMARC1; p=reject"])

    dmarc = _by_key(domains.domain_check(domain=domain))["dmarc"]

    assert dmarc["status"] == "warning"
    assert dmarc["publish"]["value"] == "v=DMARC1; p=reject; rua=mailto:dmarc-reports@northwind.example"


@pytest.mark.django_db
def test_it_calls_a_dmarc_record_without_a_policy_wrong(dns_server, domain):
    publish_all_good(dns_server, domain)
    dns_server.set(f"_dmarc.{domain.domain}", "TXT", ["v=DMARC1; p=maybe; rua=mailto:x@northwind.example"])

    assert _by_key(domains.domain_check(domain=domain))["dmarc"]["status"] == "wrong"


@pytest.mark.django_db
def test_it_says_so_when_the_domain_does_not_exist(dns_server, alice):
    domain = domains.domain_add(actor=alice, domain="no-such-domain.example")

    results = domains.domain_check(domain=domain)

    checks = _by_key(results)
    assert results["domain_exists"] is False
    assert {check["status"] for check in checks.values()} == {"missing"}
    assert "does not exist" in checks["spf"]["summary"]
    # nothing more is asked about a domain that is not there
    assert dns_server.questions == [("no-such-domain.example", "TXT")]


@pytest.mark.django_db
def test_it_says_could_not_check_when_the_server_is_silent(dns_server, domain, settings):
    settings.LEADLINE_DNS_TIMEOUT = 0.3
    settings.LEADLINE_DNS_LIFETIME = 0.6
    dns_server.silent = True

    results = domains.domain_check(domain=domain)

    assert results["status"] == "unknown"
    assert {check["status"] for check in results["checks"]} == {"unknown"}
    assert "did not answer" in results["checks"][0]["summary"]
    # after the first silence it stops waiting for more
    assert len(dns_server.questions) <= 3


@pytest.mark.django_db
def test_it_says_could_not_check_when_the_server_fails(dns_server, domain):
    dns_server.servfail = True

    results = domains.domain_check(domain=domain)

    assert results["status"] == "unknown"
    assert "SERVFAIL" in results["checks"][0]["summary"]


@pytest.mark.django_db
def test_it_checks_the_mx_of_the_return_path_domain(dns_server, domain, settings):
    settings.LEADLINE_BOUNCE_DOMAIN = "bounces.northwind.example"
    settings.LEADLINE_BOUNCE_IMAP_URL = "imaps://bounces:pw@imap.northwind.example"
    publish_all_good(dns_server, domain)

    missing = _by_key(domains.domain_check(domain=domain))["return_path"]
    dns_server.set("bounces.northwind.example", "MX", ["10 mx.northwind.example"])
    present = _by_key(domains.domain_check(domain=domain))["return_path"]

    assert missing["status"] == "missing"
    assert missing["publish"] == {
        "host": "bounces.northwind.example",
        "type": "MX",
        "value": "10 imap.northwind.example",
    }
    assert present["status"] == "ok"


@pytest.mark.django_db
def test_it_accepts_a_subdomain_covered_by_its_parents_dmarc(dns_server, alice):
    domain = domains.domain_add(actor=alice, domain="mail.northwind.example")
    publish_all_good(dns_server, domain)
    dns_server.records.pop(("_dmarc.mail.northwind.example", "TXT"))
    dns_server.set("_dmarc.northwind.example", "TXT", ["v=DMARC1; p=reject; rua=mailto:d@northwind.example"])

    dmarc = _by_key(domains.domain_check(domain=domain))["dmarc"]

    assert dmarc["status"] == "ok"
    assert "inherited from northwind.example" in dmarc["summary"]
