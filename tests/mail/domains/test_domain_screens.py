"""The sending domain screens and API: records to copy, "Check again", removal, and the private key
never shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadline.mail import domains
from leadline.mail.models import SendingDomain
from tests.api.client import api_as, error_of
from tests.conftest import client_for
from tests.mail.domains.conftest import publish_all_good


def _no_private_key(text, domain):
    # The PEM's first lines hold the modulus, which the public key shares; the later ones hold the
    # private exponent and primes, which must never appear.
    secret_lines = domain.dkim_private_key.split("-----")[2].strip().splitlines()[8:-1]
    assert "PRIVATE KEY" not in text
    assert secret_lines
    assert all(line not in text for line in secret_lines)


@pytest.mark.django_db
def test_it_adds_a_domain_and_shows_the_records_to_publish(alice):
    client = client_for(alice)

    response = client.post(reverse("mail:domain_add"), {"domain": "Northwind.Example", "selector": ""})

    domain = SendingDomain.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mail:domain_detail", args=[domain.public_id])
    page = client.get(response["Location"]).content.decode()
    assert "leadline._domainkey.northwind.example" in page
    assert domain.dkim_public_key in page
    assert 'data-copy="dkim-value"' in page
    _no_private_key(page, domain)


@pytest.mark.django_db
def test_it_shows_what_is_wrong_with_a_domain_name(alice):
    response = client_for(alice).post(reverse("mail:domain_add"), {"domain": "me@northwind.example"})

    assert response.status_code == 400
    assert "the part after the @" in response.content.decode()


@pytest.mark.django_db
def test_it_checks_again_and_shows_each_verdict(dns_server, domain, maria):
    publish_all_good(dns_server, domain)
    dns_server.records.pop((f"_dmarc.{domain.domain}", "TXT"))
    client = client_for(maria)

    response = client.post(reverse("mail:domain_check", args=[domain.public_id]), follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert "v=DMARC1; p=none; rua=mailto:dmarc-reports@northwind.example" in page
    assert "badge-danger" in page and "Missing" in page
    assert "Check again" in page
    _no_private_key(page, domain)


@pytest.mark.django_db
def test_it_says_could_not_check_when_dns_is_silent_never_an_error_page(dns_server, domain, alice, settings):
    settings.LEADLINE_DNS_TIMEOUT = 0.3
    settings.LEADLINE_DNS_LIFETIME = 0.6
    dns_server.silent = True

    response = client_for(alice).post(reverse("mail:domain_check", args=[domain.public_id]), follow=True)

    assert response.status_code == 200
    assert "Could not check" in response.content.decode()


@pytest.mark.django_db
def test_it_removes_a_domain_after_its_name_is_typed(domain, alice):
    client = client_for(alice)
    url = reverse("mail:domain_delete", args=[domain.public_id])

    refused = client.post(url, {"confirmation": "yes please"})
    removed = client.post(url, {"confirmation": "northwind.example"})

    assert refused.status_code == 400
    assert removed.status_code == 302
    assert not SendingDomain.objects.exists()


@pytest.mark.django_db
def test_it_lets_marketing_look_but_not_manage(domain, maria):
    client = client_for(maria)

    listing = client.get(reverse("mail:domain_list")).content.decode()

    assert "northwind.example" in listing
    assert reverse("mail:domain_add") not in listing
    assert (
        client.post(
            reverse("mail:domain_delete", args=[domain.public_id]), {"confirmation": "northwind.example"}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_it_never_puts_the_private_key_in_api_answers(dns_server, alice):
    client = api_as(alice, ["settings:write", "contacts:read"])

    added = client.post("/email/domains", {"domain": "northwind.example"})
    domain = SendingDomain.objects.get()
    publish_all_good(dns_server, domain)
    listed = client.get("/email/domains")
    fetched = client.get(f"/email/domains/{domain.public_id}")
    checked = client.post(f"/email/domains/{domain.public_id}/check")

    assert added.status_code == 201
    assert checked.status_code == 200
    assert checked.json()["status"] == "ok"
    assert [check["status"] for check in checked.json()["checks"]] == ["ok", "ok", "ok"]
    assert fetched.json()["dkim_public_key"] == domain.dkim_public_key
    for response in (added, listed, fetched, checked):
        text = response.content.decode()
        assert "private" not in text.lower()
        _no_private_key(text, domain)


@pytest.mark.django_db
def test_it_answers_a_silent_dns_server_with_unknown_not_a_500(dns_server, domain, alice, settings):
    settings.LEADLINE_DNS_TIMEOUT = 0.3
    settings.LEADLINE_DNS_LIFETIME = 0.6
    dns_server.silent = True

    response = api_as(alice, ["settings:write"]).post(f"/email/domains/{domain.public_id}/check")

    assert response.status_code == 200
    assert response.json()["status"] == "unknown"


@pytest.mark.django_db
def test_it_refuses_bad_domains_and_duplicates_in_the_api(domain, alice):
    client = api_as(alice, ["settings:write"])

    bad = client.post("/email/domains", {"domain": "<b>x</b>"})
    twice = client.post("/email/domains", {"domain": "northwind.example"})
    unknown = client.post("/email/domains", {"domain": "a.example", "private_key": "x"})

    assert bad.status_code == twice.status_code == unknown.status_code == 400
    assert "already a sending domain" in error_of(twice)["fields"]["domain"][0]
    assert "private_key" in error_of(unknown)["fields"]


@pytest.mark.django_db
def test_it_removes_a_domain_through_the_api_only_with_its_name(domain, alice):
    client = api_as(alice, ["settings:write"])
    path = f"/email/domains/{domain.public_id}"

    without = client.delete(path)
    wrong = client.delete(f"{path}?confirm=other.example")
    right = client.delete(f"{path}?confirm=northwind.example")

    assert without.status_code == wrong.status_code == 400
    assert right.status_code == 204
    assert not SendingDomain.objects.exists()


@pytest.mark.django_db
def test_it_shows_sales_no_domains(domain, sam):
    assert api_as(sam, ["contacts:read"]).get("/email/domains").json()["items"] == []
    assert api_as(sam, ["contacts:read"]).get(f"/email/domains/{domain.public_id}").status_code == 404
    assert client_for(sam).get(reverse("mail:domain_list")).status_code == 403
    assert domains.display_domain(domain.domain) == "northwind.example"
