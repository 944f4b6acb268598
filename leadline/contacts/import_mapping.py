"""Which column of an import file goes to which contact field, and how foreign values are read.

Headers are matched case-insensitively against Leadline's own export headers and those of HubSpot
and Mautic exports; values such as HubSpot's "marketingqualifiedlead" or "ORGANIC_SEARCH", country
names and HubSpot's "america_slash_new_york" time zones are translated to Leadline's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache

from leadline.contacts.countries import translate_country
from leadline.contacts.models import CustomProperty, LifecycleStage, Source

__all__ = ["translate_country"]

IGNORE = ""
PROPERTY_PREFIX = "property:"
FORMATS = ("auto", "hubspot", "mautic")

# Target → the header Leadline's export writes for it (and the label the mapping step shows).
FIELD_HEADERS: dict[str, str] = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "job_title": "Job title",
    "company": "Company",
    "company_domain": "Company domain",
    "city": "City",
    "country": "Country",
    "time_zone": "Time zone",
    "lifecycle_stage": "Lifecycle stage",
    "original_source": "Original source",
    "original_source_detail": "Original source detail",
    "owner": "Owner",
}
CONTACT_TARGETS = [target for target in FIELD_HEADERS if target not in ("company", "company_domain")]
COMPANY_TARGETS = ["company", "company_domain"]
TARGET_HELP = {
    "owner": "A teammate's email address or full name",
    "company": "Matched by name, or created",
    "company_domain": "Matched by domain, or created",
    "lifecycle_stage": "Stages only move forward on existing contacts",
    "original_source": "Kept if the contact already has one",
}
# Columns our export writes that are computed, not imported.
READ_ONLY_HEADERS = {"score", "created at", "last activity at", "updated at", "id", "public id"}

_GENERIC_ALIASES: dict[str, str] = {
    "email": "email",
    "email address": "email",
    "e mail": "email",
    "e mail address": "email",
    "mail": "email",
    "work email": "email",
    "first name": "first_name",
    "given name": "first_name",
    "forename": "first_name",
    "last name": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "phone": "phone",
    "phone number": "phone",
    "telephone": "phone",
    "tel": "phone",
    "mobile": "phone",
    "mobile phone": "phone",
    "mobile phone number": "phone",
    "cell": "phone",
    "job title": "job_title",
    "position": "job_title",
    "company": "company",
    "company name": "company",
    "organization": "company",
    "organisation": "company",
    "company domain": "company_domain",
    "company domain name": "company_domain",
    "domain": "company_domain",
    "city": "city",
    "town": "city",
    "country": "country",
    "country code": "country",
    "time zone": "time_zone",
    "timezone": "time_zone",
    "lifecycle stage": "lifecycle_stage",
    "lifecycle": "lifecycle_stage",
    "original source": "original_source",
    "source": "original_source",
    "lead source": "original_source",
    "original source detail": "original_source_detail",
    "source detail": "original_source_detail",
    "owner": "owner",
    "owner email": "owner",
}
_HUBSPOT_ALIASES: dict[str, str] = {
    "first name": "first_name",
    "last name": "last_name",
    "email": "email",
    "phone number": "phone",
    "mobile phone number": "phone",
    "job title": "job_title",
    "company name": "company",
    "associated company": "company",
    "company domain name": "company_domain",
    "lifecycle stage": "lifecycle_stage",
    "contact owner": "owner",
    "hubspot owner": "owner",
    "city": "city",
    "country region": "country",
    "country": "country",
    "time zone": "time_zone",
    "original source": "original_source",
    "original source drill down 1": "original_source_detail",
}
_MAUTIC_ALIASES: dict[str, str] = {
    "firstname": "first_name",
    "lastname": "last_name",
    "email": "email",
    "phone": "phone",
    "mobile": "phone",
    "position": "job_title",
    "company": "company",
    "city": "city",
    "country": "country",
    "timezone": "time_zone",
    "stage": "lifecycle_stage",
    "owner": "owner",
}
ALIASES: dict[str, dict[str, str]] = {
    "auto": {**_GENERIC_ALIASES, **_HUBSPOT_ALIASES, **_MAUTIC_ALIASES},
    "hubspot": {**_GENERIC_ALIASES, **_HUBSPOT_ALIASES},
    "mautic": {**_GENERIC_ALIASES, **_MAUTIC_ALIASES},
}


def normalize_header(header: str) -> str:
    """'Country/Region' → 'country region'; 'E-Mail ' → 'e mail'."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.lower()).split())


def _squash(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.lower())


def auto_map(
    headers: Sequence[str],
    *,
    file_format: str = "auto",
    properties: Mapping[str, CustomProperty] | None = None,
) -> list[str]:
    """The target for each header: a field name, 'property:<key>', or '' to ignore the column."""
    aliases = ALIASES.get(file_format, ALIASES["auto"])
    by_key: dict[str, str] = {}
    by_label: dict[str, str] = {}
    for key, prop in (properties or {}).items():
        by_key[normalize_header(key)] = key
        by_label.setdefault(normalize_header(prop.label), key)
    own_headers = {normalize_header(header): target for target, header in FIELD_HEADERS.items()}
    mapping = []
    for header in headers:
        normalized = normalize_header(header)
        explicit_key = header.strip().lower().removeprefix(PROPERTY_PREFIX)
        if header.strip().lower().startswith(PROPERTY_PREFIX) and explicit_key in (properties or {}):
            mapping.append(PROPERTY_PREFIX + explicit_key)  # how our export names clashing properties
        elif normalized in own_headers:
            mapping.append(own_headers[normalized])
        elif normalized in aliases:
            mapping.append(aliases[normalized])
        elif normalized in by_key:
            mapping.append(PROPERTY_PREFIX + by_key[normalized])
        elif normalized in by_label:
            mapping.append(PROPERTY_PREFIX + by_label[normalized])
        else:
            mapping.append(IGNORE)
    return mapping


def target_label(target: str, properties: Mapping[str, CustomProperty] | None = None) -> str:
    if target == IGNORE:
        return "Don't import"
    if target.startswith(PROPERTY_PREFIX):
        key = target.removeprefix(PROPERTY_PREFIX)
        prop = (properties or {}).get(key)
        return prop.label if prop is not None else key
    return FIELD_HEADERS.get(target, target)


def target_choices(properties: Mapping[str, CustomProperty]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for the mapping step's selects."""
    groups = [
        ("Contact", [(target, FIELD_HEADERS[target]) for target in CONTACT_TARGETS]),
        ("Company", [("company", "Company name"), ("company_domain", "Company domain")]),
    ]
    if properties:
        groups.append(
            ("Custom properties", [(PROPERTY_PREFIX + key, prop.label) for key, prop in properties.items()])
        )
    return groups


def validate_mapping(
    mapping: Sequence[str], *, headers: Sequence[str], properties: Mapping[str, CustomProperty]
) -> list[str]:
    """Problems with a chosen mapping, as sentences (empty when it can be used)."""
    problems = []
    if len(mapping) != len(headers):
        problems.append("Choose a target for every column.")
        return problems
    allowed = {IGNORE, *FIELD_HEADERS, *(PROPERTY_PREFIX + key for key in properties)}
    unknown = [target for target in mapping if target not in allowed]
    if unknown:
        problems.append(f"Unknown target(s): {', '.join(sorted(set(unknown)))[:200]}.")
    if "email" not in mapping:
        problems.append("Choose the column that holds email addresses: contacts are matched by email.")
    return problems


# --- Values ---------------------------------------------------------------------------------------


@cache
def _stage_aliases() -> dict[str, str]:
    table = {}
    for stage in LifecycleStage:
        table[_squash(stage.value)] = stage.value
        table[_squash(str(stage.label))] = stage.value
    table.update(
        {
            "marketingqualifiedlead": LifecycleStage.MQL,
            "salesqualifiedlead": LifecycleStage.SQL,
            "mql": LifecycleStage.MQL,
            "sql": LifecycleStage.SQL,
            "subscribers": LifecycleStage.SUBSCRIBER,
            "leads": LifecycleStage.LEAD,
            "customers": LifecycleStage.CUSTOMER,
            "opportunities": LifecycleStage.OPPORTUNITY,
            "evangelists": LifecycleStage.EVANGELIST,
        }
    )
    return {key: str(value) for key, value in table.items()}


def translate_stage(value: str) -> str | None:
    """Leadline's stage for our values and labels, HubSpot's ('marketingqualifiedlead') and the
    usual Mautic stage names; None if unrecognised."""
    return _stage_aliases().get(_squash(value))


@cache
def _source_aliases() -> dict[str, str]:
    table = {}
    for source in Source:
        table[_squash(source.value)] = source.value
        table[_squash(str(source.label))] = source.value
    hubspot = {
        "organicsearch": Source.ORGANIC_SEARCH,
        "paidsearch": Source.PAID_SEARCH,
        "emailmarketing": Source.EMAIL,
        "socialmedia": Source.SOCIAL,
        "organicsocial": Source.SOCIAL,
        "paidsocial": Source.PAID_SOCIAL,
        "referrals": Source.REFERRAL,
        "aireferrals": Source.REFERRAL,
        "directtraffic": Source.DIRECT,
        "othercampaigns": Source.OTHER,
        "offline": Source.OTHER,
        "offlinesources": Source.OTHER,
        "events": Source.EVENT,
    }
    table.update(hubspot)
    return {key: str(value) for key, value in table.items()}


def translate_source(value: str) -> str | None:
    """Leadline's source for our values and labels and HubSpot's ('ORGANIC_SEARCH', 'Direct Traffic')."""
    return _source_aliases().get(_squash(value))


# ISO 3166 codes and English names ("code:name|…"); other languages are looked up in phonenumbers'
# region names, which are large to load, only when a name is not found here.
def translate_time_zone(value: str) -> str:
    """HubSpot writes 'america_slash_new_york' for America/New_York; everything else passes through."""
    text = value.strip()
    if "_slash_" not in text:
        return text
    parts = text.split("_slash_")
    return "/".join("_".join(word.capitalize() for word in part.split("_")) for part in parts)
