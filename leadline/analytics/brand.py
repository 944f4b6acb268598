"""Brand reach: which visits came from a search engine and what was searched for, and the brand
terms that tell a branded search (someone looking for you by name) from any other.

A visit's search term is stored once, when its rollup row is written; whether it is branded is
decided when reading, from the terms of the moment, so changing the terms re-classifies the past.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from leadline.analytics.models import ReportSettings
from leadline.core.services import audit_record
from leadline.tracking.sources import PAID_SEARCH_MEDIUMS, campaign_parameters, host_of, is_search_engine

TERM_LENGTH = 200
MAX_BRAND_TERMS = 20
BRAND_TERM_LENGTH = 60
MIN_BRAND_TERM_LENGTH = 2

SEARCH_MEDIUMS = frozenset({"organic", "paid search", *PAID_SEARCH_MEDIUMS})
# Search engines as a UTM source names them (utm_source=google): the first word of the source.
SEARCH_ENGINE_NAMES = frozenset(
    {"google", "bing", "duckduckgo", "yahoo", "ecosia", "baidu", "yandex", "qwant", "startpage", "brave",
     "ask", "naver", "seznam", "kagi"}
)  # fmt: skip
# Query parameters search engines put the search in, in the order they are tried.
QUERY_KEYS = ("q", "p", "query", "text", "wd")
WORD_SPLIT = re.compile(r"[^a-z0-9]+")
SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, without accents, single spaces: the form terms are stored and compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return SPACES.sub(" ", plain.casefold()).strip()


def is_search_source(source: str) -> bool:
    """A UTM source or referring host that is a search engine ("google", "google.com", "bing.com")."""
    name = source.strip().lower().removeprefix("www.")
    if not name:
        return False
    if "." in name and is_search_engine(name):
        return True
    return WORD_SPLIT.split(name)[0] in SEARCH_ENGINE_NAMES


def is_search_visit(*, source: str, medium: str, referrer: str) -> bool:
    """Search traffic: a search-engine source or referrer, or a search medium (organic, cpc, ppc…)."""
    if medium.strip().lower() in SEARCH_MEDIUMS:
        return True
    if is_search_source(source):
        return True
    host = host_of(referrer)
    return bool(host) and is_search_engine(host)


def _referrer_query(referrer: str) -> str:
    if "?" not in referrer:
        return ""
    try:
        query = urlsplit(referrer).query
    except ValueError:
        return ""
    values: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=False, max_num_fields=200):
        values.setdefault(key.lower(), value)
    return next((values[key] for key in QUERY_KEYS if values.get(key, "").strip()), "")


def search_of(*, url: str, referrer: str, source: str, medium: str) -> tuple[bool, str]:
    """Whether a visit (its first page view) is search traffic, and its search term (normalised,
    "" when unknown): `utm_term` on the landing page, else the search in the referrer's query."""
    if not is_search_visit(source=source or "", medium=medium or "", referrer=referrer or ""):
        return False, ""
    term = campaign_parameters(url or "").get("utm_term", "").strip()
    if not term:
        term = _referrer_query(referrer or "")
    return True, normalise(term)[:TERM_LENGTH]


# --- The brand terms --------------------------------------------------------------------------------


def report_settings_get() -> ReportSettings:
    settings, _ = ReportSettings.objects.get_or_create(pk=1)
    return settings


def brand_terms() -> list[str]:
    """The brand terms as they were typed (trimmed)."""
    return list(report_settings_get().brand_terms or [])


def clean_brand_terms(value: Any) -> list[str]:
    """Comma-separated text (or a list of words) as a list of distinct terms; raises ValidationError
    saying what is wrong."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"[,\n;]", value)
    elif isinstance(value, list | tuple) and all(isinstance(part, str) for part in value):
        parts = list(value)
    else:
        raise ValidationError("Give the brand terms as text, separated by commas.")
    terms: list[str] = []
    seen: set[str] = set()
    for part in parts:
        term = SPACES.sub(" ", part).strip()
        if not term:
            continue
        key = normalise(term)
        if len(key) < MIN_BRAND_TERM_LENGTH:
            raise ValidationError(
                f"“{term}” is too short: a brand term needs at least {MIN_BRAND_TERM_LENGTH} letters or digits."
            )
        if len(term) > BRAND_TERM_LENGTH:
            raise ValidationError(
                f"“{term[:20]}…” is too long: at most {BRAND_TERM_LENGTH} characters a term."
            )
        if key in seen:
            continue
        seen.add(key)
        terms.append(term)
    if len(terms) > MAX_BRAND_TERMS:
        raise ValidationError(f"At most {MAX_BRAND_TERMS} brand terms.")
    return terms


def brand_terms_update(*, actor: Any, terms: Any) -> ReportSettings:
    """Set the brand terms (validated and normalised); past visits follow at once."""
    cleaned = clean_brand_terms(terms)
    settings = report_settings_get()
    settings.brand_terms = cleaned
    with transaction.atomic():
        settings.save(update_fields=["brand_terms", "updated_at"])
        audit_record(
            actor=actor, action="report_settings.changed", summary=", ".join(cleaned) or "no brand terms"
        )
    return settings


def can_change_report_settings(user: Any) -> bool:
    return bool(user.is_active and (user.is_admin or user.is_marketing))


def branded_q(terms: list[str], field: str = "search_term") -> Q | None:
    """Visits whose search term contains one of the terms; None without terms."""
    keys = sorted({normalise(term) for term in terms if normalise(term)})
    if not keys:
        return None
    q = Q()
    for key in keys:
        q |= Q(**{f"{field}__contains": key})
    return q
