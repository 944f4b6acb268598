"""Sending domains: adding one (with its DKIM key pair), removing it, and checking its DNS.

A check looks up the records receivers read — SPF, DKIM, DMARC, and the MX of the return-path
domain — and says for each whether it is ok, needs a look (warning), is missing or is wrong, with
the exact record to publish when it is not ok. A DNS server that does not answer makes a check
"could not check", never an error page. The DKIM private key never leaves this module's writes and
the sending code: screens, the API and logs only ever see the public half.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from leadline.core.services import audit_record
from leadline.mail.models import SendingDomain

logger = logging.getLogger(__name__)

DEFAULT_SELECTOR = "leadline"
DKIM_KEY_BITS = 2048
DOMAIN_MAX_LENGTH = 253
INPUT_MAX_LENGTH = 300
DEFAULT_TIMEOUT_SECONDS = 2.0
DEFAULT_LIFETIME_SECONDS = 4.0
EDNS_PAYLOAD = 1232

OK = "ok"
WARNING = "warning"
MISSING = "missing"
WRONG = "wrong"
UNKNOWN = "unknown"
STATUS_LABELS = {
    OK: "OK",
    WARNING: "Needs a look",
    MISSING: "Missing",
    WRONG: "Wrong",
    UNKNOWN: "Could not check",
}
# The worst status of a domain's checks decides its overall status.
_SEVERITY = {OK: 0, WARNING: 1, UNKNOWN: 2, MISSING: 3, WRONG: 4}

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SPF_ALL = re.compile(r"^[+\-~?]?all$", re.IGNORECASE)
_LOCAL_HOSTS = {"localhost", "localhost.localdomain"}

# SMTP hosts of common providers → the SPF mechanism their documentation asks for.
PROVIDER_SPF: tuple[tuple[str, str], ...] = (
    ("sendgrid.net", "include:sendgrid.net"),
    ("mailgun.org", "include:mailgun.org"),
    ("amazonaws.com", "include:amazonses.com"),
    ("postmarkapp.com", "include:spf.mtasv.net"),
    ("gmail.com", "include:_spf.google.com"),
    ("google.com", "include:_spf.google.com"),
    ("office365.com", "include:spf.protection.outlook.com"),
    ("outlook.com", "include:spf.protection.outlook.com"),
    ("brevo.com", "include:spf.brevo.com"),
    ("sendinblue.com", "include:spf.brevo.com"),
    ("mailjet.com", "include:spf.mailjet.com"),
    ("sparkpostmail.com", "include:sparkpostmail.com"),
    ("fastmail.com", "include:spf.messagingengine.com"),
    ("zoho.com", "include:zoho.com"),
    ("zoho.eu", "include:zoho.eu"),
)


# --- Names ----------------------------------------------------------------------------------------


def normalise_domain(value: str) -> str:
    """The domain as stored: lowercase ASCII (IDNA, so `bücher.example` is `xn--bcher-kva.example`),
    no trailing dot. Raises ValidationError saying what is wrong in plain words."""
    text = (value or "").strip().lower()
    if not text:
        raise ValidationError("Enter a domain, for example example.com.")
    if len(text) > INPUT_MAX_LENGTH:
        raise ValidationError(f"A domain has at most {DOMAIN_MAX_LENGTH} characters.")
    if "@" in text:
        raise ValidationError("Enter just the domain: the part after the @ of your address.")
    if "://" in text or "/" in text:
        raise ValidationError("Enter the domain alone, without http:// or a path.")
    if any(character.isspace() for character in text):
        raise ValidationError("A domain has no spaces.")
    text = text.rstrip(".")
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValidationError("Enter a domain name, not an IP address.")
    if text.isascii():
        ascii_name = text
    else:
        try:
            name = dns.name.from_unicode(text, idna_codec=dns.name.IDNA_2008_UTS_46)
            ascii_name = name.to_text(omit_final_dot=True).lower()
        except (dns.exception.DNSException, UnicodeError, ValueError):
            raise ValidationError(f"“{value.strip()[:80]}” is not a valid domain name.") from None
    labels = ascii_name.split(".")
    if len(labels) < 2:
        raise ValidationError("Enter the full domain, with its ending, for example example.com.")
    if len(ascii_name) > DOMAIN_MAX_LENGTH:
        raise ValidationError(f"A domain has at most {DOMAIN_MAX_LENGTH} characters.")
    if any(len(label) > 63 for label in labels):
        raise ValidationError("Each part of a domain between dots has at most 63 characters.")
    if not all(_LABEL.match(label) for label in labels):
        raise ValidationError(
            "A domain is made of letters, digits and hyphens, in parts separated by dots "
            "(no part starts or ends with a hyphen)."
        )
    if labels[-1].isdigit():
        raise ValidationError("The last part of a domain is not a number.")
    return ascii_name


def display_domain(ascii_name: str) -> str:
    """The domain as people write it (`bücher.example` for `xn--bcher-kva.example`)."""
    try:
        name = dns.name.from_text(ascii_name)
        return name.to_unicode(omit_final_dot=True, idna_codec=dns.name.IDNA_2008_UTS_46)
    except (dns.exception.DNSException, UnicodeError, ValueError):
        return ascii_name


def normalise_selector(value: str) -> str:
    selector = (value or "").strip().lower() or DEFAULT_SELECTOR
    if not all(_LABEL.match(part) for part in selector.split(".")) or len(selector) > 63:
        raise ValidationError("A selector is letters, digits and hyphens, for example leadline.")
    return selector


# --- Keys -----------------------------------------------------------------------------------------


def dkim_key_pair() -> tuple[str, str]:
    """(private key as PEM, public key as the base64 `p=` value of the DKIM record)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=DKIM_KEY_BITS)
    # PKCS#1 ("BEGIN RSA PRIVATE KEY") is the form every DKIM signer reads.
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, base64.b64encode(public_der).decode()


def dkim_record_value(domain: SendingDomain) -> str:
    return f"v=DKIM1; k=rsa; p={domain.dkim_public_key}"


def dkim_host(domain: SendingDomain) -> str:
    return f"{domain.dkim_selector}._domainkey.{domain.domain}"


def _public_numbers(b64: str) -> Any:
    """The RSA public numbers of a `p=` value (SubjectPublicKeyInfo or bare PKCS#1), or None."""
    try:
        der = base64.b64decode("".join(b64.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    for loader in (serialization.load_der_public_key, _load_pkcs1):
        try:
            return loader(der).public_numbers()  # type: ignore[union-attr]
        except (ValueError, TypeError, AttributeError):
            continue
    return None


def _load_pkcs1(der: bytes) -> Any:
    pem = b"-----BEGIN RSA PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END RSA PUBLIC KEY-----\n"
    return serialization.load_pem_public_key(pem)


def sending_domain_for(address: str) -> SendingDomain | None:
    """The sending domain whose key signs mail from `address` (the domain itself or a parent)."""
    domain = (address or "").rsplit("@", 1)[-1].strip().lower().rstrip(".")
    if not domain:
        return None
    parts = domain.split(".")
    candidates = [".".join(parts[index:]) for index in range(len(parts) - 1)]
    found = {row.domain: row for row in SendingDomain.objects.filter(domain__in=candidates)}
    for candidate in candidates:
        if candidate in found:
            return found[candidate]
    return None


# --- Writes ---------------------------------------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if not (actor is not None and getattr(actor, "is_admin", False)):
        raise PermissionDenied("Only admins can add or remove sending domains.")


def domain_add(*, actor: Any, domain: str, selector: str = DEFAULT_SELECTOR) -> SendingDomain:
    """Add a sending domain with a new DKIM key pair. Nothing is looked up yet: check it next."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    name = selector_name = ""
    try:
        name = normalise_domain(domain)
    except ValidationError as error:
        errors["domain"] = error.messages
    try:
        selector_name = normalise_selector(selector)
    except ValidationError as error:
        errors["selector"] = error.messages
    if not errors and SendingDomain.objects.filter(domain=name).exists():
        errors["domain"] = [f"{display_domain(name)} is already a sending domain."]
    if errors:
        raise ValidationError(errors)
    private_pem, public_b64 = dkim_key_pair()
    try:
        with transaction.atomic():
            sending_domain = SendingDomain.objects.create(
                domain=name,
                dkim_selector=selector_name,
                dkim_private_key=private_pem,
                dkim_public_key=public_b64,
            )
            audit_record(actor=actor, action="mail.domain_added", target=sending_domain, summary=name)
    except IntegrityError:
        raise ValidationError({"domain": [f"{display_domain(name)} is already a sending domain."]}) from None
    return sending_domain


def domain_remove(*, actor: Any, domain: SendingDomain, confirmation: str) -> None:
    """Remove a sending domain and its DKIM key. `confirmation` must be the domain's name: the key
    cannot be brought back, and mail signed with a new one fails until DNS is updated."""
    _require_admin(actor)
    typed = (confirmation or "").strip().lower().rstrip(".")
    if typed not in {domain.domain, display_domain(domain.domain).lower()}:
        raise ValidationError(
            {"confirmation": [f"Type {display_domain(domain.domain)} to confirm that you want to remove it."]}
        )
    name = domain.domain
    with transaction.atomic():
        audit_record(actor=actor, action="mail.domain_removed", target=domain, summary=name)
        domain.delete()


# --- DNS ------------------------------------------------------------------------------------------


def _nameserver(entry: str) -> Any:
    """`1.2.3.4`, `1.2.3.4:5353`, `2001:db8::1` or `[2001:db8::1]:5353`."""
    text = entry.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = int(port_text)
    ipaddress.ip_address(host)
    return dns.nameserver.Do53Nameserver(host, port)


def _float_setting(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    try:
        number = float(value) if value is not None else default
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def dns_resolver() -> dns.resolver.Resolver:
    """A resolver without a cache, using LEADLINE_DNS_NAMESERVERS when set (else the system's).

    Raises dns.resolver.NoResolverConfiguration when neither names a server.
    """
    configured = getattr(settings, "LEADLINE_DNS_NAMESERVERS", None)
    if isinstance(configured, str):
        configured = [part for part in configured.split(",") if part.strip()]
    nameservers = []
    for entry in configured or []:
        try:
            nameservers.append(_nameserver(str(entry)))
        except ValueError:
            logger.warning("Ignoring LEADLINE_DNS_NAMESERVERS entry %r: not an IP address[:port]", entry)
    if nameservers:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = nameservers
    else:
        resolver = dns.resolver.Resolver()
    resolver.cache = None
    resolver.timeout = _float_setting("LEADLINE_DNS_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)
    resolver.lifetime = max(
        resolver.timeout, _float_setting("LEADLINE_DNS_LIFETIME", DEFAULT_LIFETIME_SECONDS)
    )
    # Long DKIM keys do not fit the 512 bytes of plain DNS.
    resolver.use_edns(0, 0, EDNS_PAYLOAD)
    return resolver


@dataclass(frozen=True)
class Answer:
    outcome: str  # "found", "nodata", "nxdomain" or "failed"
    values: tuple[str, ...] = ()
    problem: str = ""


class Lookup:
    """Queries for one check run. After a server stays silent once, later queries are not sent:
    they would only wait as long again."""

    def __init__(self, resolver: dns.resolver.Resolver | None) -> None:
        self.resolver = resolver
        self.unavailable = "" if resolver is not None else "No DNS server is configured on this machine."

    def query(self, name: str, rdtype: str) -> Answer:
        if self.unavailable or self.resolver is None:
            return Answer("failed", problem=self.unavailable)
        try:
            answer = self.resolver.resolve(name, rdtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return Answer("nxdomain")
        except dns.exception.Timeout:
            self.unavailable = "The DNS server did not answer in time."
            return Answer("failed", problem=self.unavailable)
        except dns.resolver.NoNameservers:
            return Answer("failed", problem="The DNS servers answered with an error (such as SERVFAIL).")
        except dns.exception.DNSException as error:
            logger.info("DNS lookup of %s %s failed: %s", name, rdtype, error)
            return Answer("failed", problem="The DNS lookup failed.")
        if answer.rrset is None:
            return Answer("nodata")
        values = []
        for rdata in answer.rrset:
            if rdata.rdtype == dns.rdatatype.TXT:
                values.append(b"".join(rdata.strings).decode("utf-8", "replace"))
            elif rdata.rdtype == dns.rdatatype.MX:
                values.append(f"{rdata.preference} {rdata.exchange.to_text(omit_final_dot=True)}")
            else:
                values.append(rdata.to_text())
        return Answer("found", tuple(values))


@dataclass
class Check:
    """One record's verdict; `publish` is the record to add or replace when it is not ok."""

    key: str
    label: str
    host: str
    record_type: str
    status: str = OK
    summary: str = ""
    details: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    publish: dict[str, str] | None = None
    how: str = ""

    def to_publish(self, value: str, how: str) -> None:
        self.publish = {"host": self.host, "type": self.record_type, "value": value}
        self.how = how

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status_label"] = STATUS_LABELS[self.status]
        return data


def _could_not_check(check: Check, answer: Answer) -> Check:
    check.status = UNKNOWN
    check.summary = f"Could not check: {answer.problem or 'the DNS lookup failed.'} Try again later."
    return check


def _txt_how(host: str, domain: str) -> str:
    relative = host[: -len(domain) - 1] if host.endswith("." + domain) else "@"
    named = (
        "at the domain itself (the name is often written “@”)"
        if relative == "@"
        else f"named {relative} (some DNS providers want the full name, {host})"
    )
    return f"At your DNS provider, add a TXT record {named} with the value below."


# SPF ---------------------------------------------------------------------------------------------


def smtp_host() -> str:
    """The SMTP server EMAIL_URL sends through, or "" (none, the in-app outbox, a local relay)."""
    url = getattr(settings, "EMAIL_URL", "") or ""
    if not url.startswith("smtp"):
        return ""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host or host in _LOCAL_HOSTS:
        return ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    return "" if address.is_loopback or address.is_private else host


def sender_mechanism(host: str) -> tuple[str, bool]:
    """(the SPF mechanism that authorises `host`, whether it comes from a known provider)."""
    if not host:
        return "", False
    for suffix, mechanism in PROVIDER_SPF:
        if host == suffix or host.endswith("." + suffix):
            return mechanism, True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"a:{host}", False
    return (f"ip4:{host}" if address.version == 4 else f"ip6:{host}"), False


def _is_spf(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered == "v=spf1" or lowered.startswith("v=spf1 ")


def _spf_terms(record: str) -> list[str]:
    return record.split()[1:]


def _suggested_spf(records: Iterable[str], mechanism: str) -> str:
    terms: list[str] = []
    strict = False
    for record in records:
        for term in _spf_terms(record):
            if _SPF_ALL.match(term):
                strict = strict or term.lower() == "-all"
                continue
            if term.lower().startswith("redirect=") or term.lower() in (seen.lower() for seen in terms):
                continue
            terms.append(term)
    if mechanism and mechanism.lower() not in (term.lower() for term in terms):
        terms.append(mechanism)
    if not terms:
        terms.append("mx")
    return " ".join(["v=spf1", *terms, "-all" if strict else "~all"])


def check_spf(lookup: Lookup, domain: str) -> tuple[Check, bool]:
    """(the SPF check, whether the domain exists in DNS at all)."""
    check = Check(key="spf", label="SPF", host=domain, record_type="TXT")
    host = smtp_host()
    mechanism, known = sender_mechanism(host)
    how = _txt_how(domain, domain)
    answer = lookup.query(domain, "TXT")
    if answer.outcome == "failed":
        return _could_not_check(check, answer), True
    if answer.outcome == "nxdomain":
        check.status = MISSING
        check.summary = (
            f"{display_domain(domain)} does not exist in DNS (NXDOMAIN). Check the spelling, and that the "
            "domain is registered and its DNS is hosted somewhere."
        )
        check.to_publish(_suggested_spf([], mechanism), how)
        return check, False
    records = [value for value in answer.values if _is_spf(value)]
    check.found = records
    if not records:
        check.status = MISSING
        check.summary = "No SPF record: receivers cannot tell which servers may send email for this domain."
        check.to_publish(_suggested_spf([], mechanism), how)
        if not mechanism:
            check.details.append(
                "Add the include: your email provider gives you (for example include:sendgrid.net) "
                "before ~all."
            )
        return check, True
    if len(records) > 1:
        check.status = WRONG
        check.summary = (
            f"There are {len(records)} SPF records. Receivers treat more than one as an error, so SPF "
            "fails for every message. Replace them with one record."
        )
        check.to_publish(
            _suggested_spf(records, mechanism),
            "At your DNS provider, delete the SPF records shown above and add one TXT record at the "
            "domain itself (often written “@”) with the value below.",
        )
        return check, True
    record = records[0]
    terms = _spf_terms(record)
    ending = next((term for term in reversed(terms) if _SPF_ALL.match(term)), "")
    redirect = any(term.lower().startswith("redirect=") for term in terms)
    if ending.lower() in ("all", "+all"):
        check.status = WRONG
        check.summary = f"The SPF record ends with {ending}: it lets any server in the world send as you."
    elif ending.lower() == "?all":
        check.status = WARNING
        check.summary = (
            "The SPF record ends with ?all (neutral), which protects nothing. End it with ~all or -all."
        )
    elif not ending and not redirect:
        check.status = WARNING
        check.summary = (
            "The SPF record does not end with ~all or -all, so it does not say what to do with other servers."
        )
    else:
        check.summary = "One SPF record" + (
            f", ending with {ending}." if ending else ", delegated with redirect=."
        )
    if mechanism and mechanism.lower() not in (term.lower() for term in terms):
        if known:
            if check.status == OK:
                check.status = WARNING
            check.details.append(
                f"Your email goes out through {host}; its provider asks for {mechanism} in your SPF "
                "record, and this record does not have it."
            )
        else:
            check.details.append(
                f"Your email goes out through {host}. Unless one of the includes above covers that "
                f"server, add {mechanism}."
            )
    if check.status != OK:
        check.to_publish(
            _suggested_spf([record], mechanism),
            "At your DNS provider, change the SPF record (the TXT record at the domain itself, often "
            "written “@”) to the value below.",
        )
    return check, True


# DKIM --------------------------------------------------------------------------------------------


def _tags(record: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in record.split(";"):
        name, separator, value = part.partition("=")
        if separator:
            tags.setdefault(name.strip().lower(), value.strip())
    return tags


def check_dkim(lookup: Lookup, sending_domain: SendingDomain, *, exists: bool) -> Check:
    host = dkim_host(sending_domain)
    check = Check(key="dkim", label="DKIM", host=host, record_type="TXT")
    how = _txt_how(host, sending_domain.domain) + (
        " The value is long: paste it whole; your provider splits it into pieces if it must."
    )
    expected = _public_numbers(sending_domain.dkim_public_key)
    answer = lookup.query(host, "TXT") if exists else Answer("nxdomain")
    if answer.outcome == "failed":
        return _could_not_check(check, answer)
    keys = [value for value in answer.values if "p=" in value.replace(" ", "").lower()]
    check.found = list(answer.values)
    if answer.outcome != "found" or not keys:
        check.status = MISSING
        check.summary = (
            f"No DKIM key at {host}: receivers cannot verify the signature Leadline puts on your email."
        )
        check.to_publish(dkim_record_value(sending_domain), how)
        return check
    matching = [value for value in keys if _public_numbers(_tags(value).get("p", "")) == expected]
    if not matching:
        check.status = WRONG
        if any(not _tags(value).get("p") for value in keys):
            check.summary = "The DKIM record has an empty key (p=), which means the key was revoked."
        else:
            check.summary = (
                "The DKIM key published is not this domain's key (it was made elsewhere, or the key "
                "changed), so signatures fail. Replace it."
            )
        check.to_publish(dkim_record_value(sending_domain), how.replace("add a TXT", "replace the TXT"))
        return check
    if len(answer.values) > 1:
        check.status = WARNING
        check.summary = (
            f"The key matches, but there are {len(answer.values)} TXT records at {host}. Keep only ours."
        )
        check.to_publish(dkim_record_value(sending_domain), "Delete the other TXT records at this name.")
        return check
    check.summary = "The DKIM key matches the one Leadline signs with."
    return check


# DMARC -------------------------------------------------------------------------------------------


def _dmarc_value(domain: str, tags: dict[str, str] | None = None) -> str:
    tags = dict(tags or {})
    policy = tags.pop("p", "").lower()
    tags.pop("v", None)
    policy = policy if policy in ("none", "quarantine", "reject") else "none"
    rua = tags.pop("rua", "") or f"mailto:dmarc-reports@{domain}"
    rest = [f"{name}={value}" for name, value in tags.items() if name and value]
    return "; ".join(["v=DMARC1", f"p={policy}", f"rua={rua}", *rest])


def _dmarc_parents(domain: str) -> list[str]:
    parts = domain.split(".")
    return [".".join(parts[index:]) for index in range(1, len(parts) - 1)]


def check_dmarc(lookup: Lookup, domain: str, *, exists: bool) -> Check:
    host = f"_dmarc.{domain}"
    check = Check(key="dmarc", label="DMARC", host=host, record_type="TXT")
    how = _txt_how(host, domain)
    answer = lookup.query(host, "TXT") if exists else Answer("nxdomain")
    if answer.outcome == "failed":
        return _could_not_check(check, answer)
    records = [value for value in answer.values if value.strip().lower().startswith("v=dmarc1")]
    inherited_from = ""
    if not records and exists:
        # A subdomain without its own record is covered by its organisation's.
        for parent in _dmarc_parents(domain):
            parent_answer = lookup.query(f"_dmarc.{parent}", "TXT")
            if parent_answer.outcome == "failed":
                return _could_not_check(check, parent_answer)
            records = [
                value for value in parent_answer.values if value.strip().lower().startswith("v=dmarc1")
            ]
            if records:
                inherited_from = parent
                break
    check.found = records
    if not records:
        check.status = MISSING
        check.summary = (
            "No DMARC record: receivers do not know what to do with mail that fails SPF and DKIM, and "
            "you get no reports. Start with p=none to watch the reports, then tighten it."
        )
        check.to_publish(_dmarc_value(domain), how)
        return check
    if len(records) > 1:
        check.status = WRONG
        check.summary = (
            f"There are {len(records)} DMARC records; receivers ignore DMARC when there is more than one."
        )
        check.to_publish(
            _dmarc_value(domain, _tags(records[0])), "Keep one TXT record at this name, with the value below."
        )
        return check
    tags = _tags(records[0])
    policy = tags.get("p", "").lower()
    if policy not in ("none", "quarantine", "reject"):
        check.status = WRONG
        check.summary = "The DMARC record has no valid policy: it needs p=none, p=quarantine or p=reject."
        check.to_publish(_dmarc_value(domain, tags), how.replace("add a TXT", "change the TXT"))
        return check
    where = f" (inherited from {display_domain(inherited_from)})" if inherited_from else ""
    check.summary = f"DMARC policy p={policy}{where}."
    if policy == "none":
        check.details.append(
            "p=none only watches. When the reports show your mail passes, move to p=quarantine, then p=reject."
        )
    if not tags.get("rua"):
        check.status = WARNING
        check.summary += " No reports are asked for (rua=), so you will not see who sends as your domain."
        check.to_publish(
            _dmarc_value(domain, tags),
            how.replace("add a TXT", "change the TXT") if not inherited_from else how,
        )
    return check


# Return path -------------------------------------------------------------------------------------


def check_return_path(lookup: Lookup, bounce_domain: str) -> Check:
    check = Check(key="return_path", label="Return path (MX)", host=bounce_domain, record_type="MX")
    imap_url = getattr(settings, "LEADLINE_BOUNCE_IMAP_URL", "") or ""
    mail_host = (urlsplit(imap_url).hostname or "") if imap_url else ""
    value = f"10 {mail_host}" if mail_host else "10 mail.your-provider.example"
    how = (
        f"At your DNS provider, add an MX record named {bounce_domain} pointing at the server that "
        "receives its mail"
        + (
            f" (often the same server you read it from over IMAP, {mail_host})."
            if mail_host
            else ": replace mail.your-provider.example with the server your mail provider names."
        )
    )
    answer = lookup.query(bounce_domain, "MX")
    if answer.outcome == "failed":
        return _could_not_check(check, answer)
    check.found = list(answer.values)
    check.details.append(
        f"Bounces come back to addresses at {bounce_domain} (the return path); receivers also check "
        "SPF against this domain."
    )
    if answer.outcome != "found":
        check.status = MISSING
        check.summary = f"{bounce_domain} has no MX record, so bounces cannot reach Leadline."
        check.to_publish(value, how)
        return check
    if all(found.split()[-1] in (".", "") for found in answer.values):
        check.status = WRONG
        check.summary = f"{bounce_domain} says it accepts no mail (a null MX), so bounces are lost."
        check.to_publish(value, how.replace("add an MX", "replace the MX"))
        return check
    check.summary = f"{bounce_domain} receives mail, so bounces come back."
    return check


# The check ---------------------------------------------------------------------------------------


def overall_status(checks: Iterable[dict[str, Any]]) -> str:
    statuses = [check.get("status", UNKNOWN) for check in checks]
    if not statuses:
        return UNKNOWN
    return max(statuses, key=lambda status: _SEVERITY.get(status, 2))


def domain_check(*, domain: SendingDomain, resolver: dns.resolver.Resolver | None = None) -> dict[str, Any]:
    """Look up the domain's records, store the verdicts on it and return them."""
    if resolver is None:
        try:
            resolver = dns_resolver()
        except dns.exception.DNSException:
            resolver = None
    lookup = Lookup(resolver)
    spf, exists = check_spf(lookup, domain.domain)
    checks = [
        spf,
        check_dkim(lookup, domain, exists=exists),
        check_dmarc(lookup, domain.domain, exists=exists),
    ]
    bounce_domain = (getattr(settings, "LEADLINE_BOUNCE_DOMAIN", "") or "").strip().lower()
    if bounce_domain:
        checks.append(check_return_path(lookup, bounce_domain))
    now = timezone.now()
    rows = [check.as_dict() for check in checks]
    status = overall_status(rows)
    results = {
        "status": status,
        "status_label": STATUS_LABELS[status],
        "domain_exists": exists,
        "checked_at": now.isoformat(),
        "checks": rows,
    }
    domain.check_results = results
    domain.checked_at = now
    domain.save(update_fields=["check_results", "checked_at", "updated_at"])
    return results


def records_to_publish(domain: SendingDomain) -> list[dict[str, str]]:
    """Every record the domain needs, whether or not it is published yet (for a first setup)."""
    return [
        {"key": "dkim", "host": dkim_host(domain), "type": "TXT", "value": dkim_record_value(domain)},
        {
            "key": "spf",
            "host": domain.domain,
            "type": "TXT",
            "value": _suggested_spf([], sender_mechanism(smtp_host())[0]),
        },
        {
            "key": "dmarc",
            "host": f"_dmarc.{domain.domain}",
            "type": "TXT",
            "value": _dmarc_value(domain.domain),
        },
    ]
