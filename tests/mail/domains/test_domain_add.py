"""Adding and removing a sending domain: the name is checked and normalised, a DKIM key is made."""

from __future__ import annotations

import base64

import dkim
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from leadline.core.models import AuditEntry
from leadline.mail import domains
from leadline.mail.models import SendingDomain


@pytest.mark.django_db
def test_it_stores_the_domain_in_lowercase_ascii(alice):
    added = domains.domain_add(actor=alice, domain="  Bücher.Example. ")

    assert added.domain == "xn--bcher-kva.example"
    assert domains.display_domain(added.domain) == "bücher.example"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter a domain"),
        ("hello@example.com", "part after the @"),
        ("https://example.com/", "without http://"),
        ("localhost", "full domain"),
        ("192.168.1.1", "not an IP address"),
        ("exa mple.com", "no spaces"),
        ("-bad.example.com", "hyphen"),
        ("under_score.example", "letters, digits and hyphens"),
        ("a" * 64 + ".example", "at most 63 characters"),
        ("example.123", "not a number"),
        ("<script>.example", "letters, digits and hyphens"),
    ],
)
def test_it_refuses_what_is_not_a_domain_name(alice, value, message):
    with pytest.raises(ValidationError) as caught:
        domains.domain_add(actor=alice, domain=value)

    assert message in " ".join(caught.value.message_dict["domain"])
    assert not SendingDomain.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_domain_added_twice(alice):
    domains.domain_add(actor=alice, domain="northwind.example")

    with pytest.raises(ValidationError) as caught:
        domains.domain_add(actor=alice, domain="NORTHWIND.example")

    assert "already a sending domain" in caught.value.message_dict["domain"][0]


@pytest.mark.django_db
def test_it_lets_only_admins_add_domains(maria, sam):
    for user in (maria, sam):
        with pytest.raises(PermissionDenied):
            domains.domain_add(actor=user, domain="northwind.example")


@pytest.mark.django_db
def test_it_makes_a_2048_bit_key_that_signs_mail_the_published_record_verifies(alice):
    added = domains.domain_add(actor=alice, domain="northwind.example")
    record = domains.dkim_record_value(added)
    message = (
        b"From: Ann <ann@northwind.example>\r\nTo: bob@example.org\r\nSubject: Hello\r\n"
        b"Message-ID: <1@northwind.example>\r\n\r\nHi Bob.\r\n"
    )

    signature = dkim.sign(
        message,
        selector=added.dkim_selector.encode(),
        domain=added.domain.encode(),
        privkey=added.dkim_private_key.encode(),
        include_headers=[b"from", b"to", b"subject"],
    )

    def dnsfunc(name, timeout=5):
        assert name == b"leadline._domainkey.northwind.example."
        return record.encode()

    assert dkim.verify(signature + message, dnsfunc=dnsfunc)
    assert len(base64.b64decode(added.dkim_public_key)) > 256  # a 2048-bit key's SubjectPublicKeyInfo


@pytest.mark.django_db
def test_it_removes_a_domain_only_when_its_name_is_typed(alice):
    added = domains.domain_add(actor=alice, domain="northwind.example")

    with pytest.raises(ValidationError):
        domains.domain_remove(actor=alice, domain=added, confirmation="yes")
    assert SendingDomain.objects.filter(pk=added.pk).exists()

    domains.domain_remove(actor=alice, domain=added, confirmation="Northwind.example")

    assert not SendingDomain.objects.filter(pk=added.pk).exists()
    assert AuditEntry.objects.filter(action="mail.domain_removed").exists()


@pytest.mark.django_db
def test_it_finds_the_domain_that_signs_an_address(alice):
    added = domains.domain_add(actor=alice, domain="northwind.example")

    assert domains.sending_domain_for("ann@northwind.example") == added
    assert domains.sending_domain_for("ann@mail.northwind.example") == added
    assert domains.sending_domain_for("ann@elsewhere.example") is None
