"""Where a visit came from: UTM parameters, ad click ids and the referrer, and the marketing channel
(contacts.models.Source) they add up to.

Kept free of Django models so that `/t/collect` can call it per event without touching the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from leadline.contacts.models import Source

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

# Click ids ad networks append to landing pages: (source, medium) they imply when no UTM is present.
CLICK_IDS: dict[str, tuple[str, str]] = {
    "gclid": ("google", "cpc"),
    "gbraid": ("google", "cpc"),
    "wbraid": ("google", "cpc"),
    "dclid": ("google", "display"),
    "msclkid": ("bing", "cpc"),
    "yclid": ("yandex", "cpc"),
    "fbclid": ("facebook", "social"),
    "ttclid": ("tiktok", "paid-social"),
    "li_fat_id": ("linkedin", "paid-social"),
    "twclid": ("twitter", "paid-social"),
    "epik": ("pinterest", "paid-social"),
    "rdt_cid": ("reddit", "paid-social"),
}

SEARCH_ENGINES = (
    "google.", "bing.com", "duckduckgo.com", "search.yahoo.", "yahoo.com", "yandex.", "baidu.com",
    "ecosia.org", "search.brave.com", "startpage.com", "qwant.com", "ask.com", "naver.com", "seznam.cz",
    "kagi.com",
)  # fmt: skip
SOCIAL_NETWORKS = (
    "facebook.com", "fb.com", "fb.me", "instagram.com", "t.co", "twitter.com", "x.com", "linkedin.com",
    "lnkd.in", "reddit.com", "youtube.com", "youtu.be", "pinterest.", "tiktok.com", "threads.net",
    "mastodon.social", "bsky.app", "tumblr.com", "vk.com", "xing.com", "quora.com",
)  # fmt: skip
WEBMAIL = ("mail.google.com", "outlook.live.com", "outlook.office.com", "outlook.office365.com",
           "mail.yahoo.com", "mail.proton.me", "mail.zoho.com", "webmail.")  # fmt: skip

PAID_SEARCH_MEDIUMS = {"cpc", "ppc", "paidsearch", "paid-search", "paid_search", "sem", "adwords"}
PAID_SOCIAL_MEDIUMS = {"paid-social", "paid_social", "paidsocial", "social-paid", "social_paid", "social-ads"}
SOCIAL_MEDIUMS = {"social", "social-network", "social_network", "social-media", "social_media", "sm"}
EMAIL_MEDIUMS = {"email", "e-mail", "e_mail", "newsletter", "mail"}


@dataclass(frozen=True, slots=True)
class Attribution:
    source: str = ""
    medium: str = ""
    campaign: str = ""


NO_ATTRIBUTION = Attribution()


def host_of(url: str) -> str:
    """The lower-case host of an absolute URL without a leading "www.", or "" if there is none."""
    if not url or "//" not in url:
        return ""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _matches(host: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if pattern.endswith("."):
            if host.startswith(pattern) or f".{pattern}" in f".{host}":
                return True
        elif host == pattern or host.endswith("." + pattern):
            return True
    return False


def is_search_engine(host: str) -> bool:
    return _matches(host, SEARCH_ENGINES)


def is_social_network(host: str) -> bool:
    return _matches(host, SOCIAL_NETWORKS)


def is_webmail(host: str) -> bool:
    return _matches(host, WEBMAIL)


def campaign_parameters(url: str) -> dict[str, str]:
    """UTM parameters and click ids from a landing page URL (first value of each, lower-case keys)."""
    if "?" not in url:
        return {}
    query = url.split("?", 1)[1].split("#", 1)[0]
    found: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=False, max_num_fields=200):
        name = key.lower()
        if (name in CLICK_IDS or name.startswith("utm_")) and name not in found:
            found[name] = value
    return found


@lru_cache(maxsize=4096)
def referrer_medium(host: str) -> str:
    """The medium an outside referrer implies: organic (search), social, email or referral."""
    if is_search_engine(host):
        return "organic"
    if is_social_network(host):
        return "social"
    if is_webmail(host):
        return "email"
    return "referral"


def attribute(parameters: dict[str, str], referrer_host: str, page_host: str) -> Attribution:
    """Source / medium / campaign of one hit: UTM first, then a click id, then an outside referrer."""
    if parameters:
        source = parameters.get("utm_source", "")
        medium = parameters.get("utm_medium", "")
        campaign = parameters.get("utm_campaign", "")
        if source or medium or campaign:
            return Attribution(source or referrer_host, medium, campaign)
        for name, implied in CLICK_IDS.items():
            if name in parameters:
                return Attribution(implied[0], implied[1], "")
    if referrer_host and referrer_host != page_host:
        return Attribution(referrer_host, referrer_medium(referrer_host), "")
    return NO_ATTRIBUTION


def channel(*, source: str, medium: str, referrer: str = "") -> str:
    """The contacts.models.Source a first touch belongs to (paid search, organic search, social…)."""
    medium = medium.strip().lower()
    source_host = source.strip().lower().removeprefix("www.")
    referrer_host = host_of(referrer)
    hosts = [host for host in (source_host, referrer_host) if host]
    social = any(is_social_network(host) or host in {"facebook", "linkedin", "twitter", "instagram",
                                                     "tiktok", "reddit", "pinterest", "youtube"} for host in hosts)  # fmt: skip
    if medium in PAID_SOCIAL_MEDIUMS or (medium in PAID_SEARCH_MEDIUMS and social):
        return Source.PAID_SOCIAL
    if medium in PAID_SEARCH_MEDIUMS:
        return Source.PAID_SEARCH
    if medium in SOCIAL_MEDIUMS:
        return Source.SOCIAL
    if medium in EMAIL_MEDIUMS:
        return Source.EMAIL
    if medium == "organic":
        return Source.ORGANIC_SEARCH
    if medium == "referral":
        return Source.REFERRAL
    if medium in {"event", "events", "conference"}:
        return Source.EVENT
    if any(is_search_engine(host) for host in hosts):
        return Source.ORGANIC_SEARCH
    if social:
        return Source.SOCIAL
    if any(is_webmail(host) for host in hosts):
        return Source.EMAIL
    if medium:
        return Source.OTHER
    if hosts:
        return Source.REFERRAL
    return Source.DIRECT


def channel_detail(*, source: str, campaign: str, referrer: str) -> str:
    """What a person reads next to the channel: the campaign, else the referring site, else the source."""
    return (campaign or host_of(referrer) or source)[:255]
