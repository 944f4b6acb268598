"""Telling people from machines in email opens and clicks.

Many opens and clicks are not a person reading: Apple Mail Privacy Protection fetches every image of
every message on delivery, and security scanners follow every link before the recipient sees the
email. Those hits are kept (a report may want them) but flagged, so that "opened" and "clicked"
mean a person did it. Image proxies that fetch only when the reader opens the email (Gmail's, Yahoo's)
and desktop mail clients are people, even though generic bot lists name them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from crawlerdetect import CrawlerDetect

MAX_USER_AGENT_LENGTH = 500
# A person cannot receive, open and click an email this fast; link scanners at the receiving
# server do it within seconds of delivery.
SCANNER_CLICK_WINDOW = timedelta(seconds=10)
# Two different links of one message followed within this window is a scanner walking the links.
BURST_WINDOW = timedelta(seconds=1)

# Apple's egress ranges (17.0.0.0/8 is Apple's own block; Mail Privacy Protection fetches from it).
APPLE_NETWORKS = tuple(
    ipaddress.ip_network(network) for network in ("17.0.0.0/8", "2620:149::/32", "2a01:b740::/32")
)
# Mail Privacy Protection sends this bare user agent and nothing else.
APPLE_PROXY_USER_AGENTS = frozenset({"Mozilla/5.0"})

# Fetch images when the reader opens the message, so they are a person opening it.
HUMAN_PROXIES = (
    ("google_image_proxy", re.compile(r"GoogleImageProxy", re.IGNORECASE)),
    ("yahoo_mail_proxy", re.compile(r"YahooMailProxy", re.IGNORECASE)),
    ("outlook", re.compile(r"Microsoft Office|Microsoft Outlook|ms-office|MSOffice", re.IGNORECASE)),
    ("thunderbird", re.compile(r"Thunderbird", re.IGNORECASE)),
)
# Mail security gateways and link scanners that crawler lists do not all know.
SCANNER_USER_AGENTS = re.compile(
    r"Barracuda|Mimecast|Proofpoint|urldefense|FireEye|Trend ?Micro|Symantec|MessageLabs|Forcepoint|"
    r"Sophos|IronPort|Cisco|Zscaler|Cloudmark|SpamTitan|Forti(net|Guard)|Check ?Point|Avanan|"
    r"Abnormal|Vade|Hornetsecurity|Libraesva|Agari|Tessian|Area ?1|SafeLinks|Safe Links|"
    r"Defender|Existence Discovery|HeadlessChrome|PhantomJS|Slurp|scanner|LinkCheck|Nutch|curl/|Wget/",
    re.IGNORECASE,
)

_detector = CrawlerDetect()


@dataclass(frozen=True)
class Verdict:
    """Whether a hit was a machine, and why (`reason` is kept on the event for reports)."""

    is_machine: bool
    reason: str = ""
    proxy: str = ""


HUMAN = Verdict(is_machine=False)


@lru_cache(maxsize=4096)
def _is_crawler(user_agent: str) -> bool:
    return bool(_detector.is_crawler(user_agent))


def _human_proxy(user_agent: str) -> str:
    for name, pattern in HUMAN_PROXIES:
        if pattern.search(user_agent):
            return name
    return ""


def is_apple_address(ip_address: str | None) -> bool:
    if not ip_address:
        return False
    try:
        address = ipaddress.ip_address(ip_address)
    except ValueError:
        return False
    return any(address in network for network in APPLE_NETWORKS)


def _by_agent(user_agent: str, ip_address: str | None, method: str) -> Verdict:
    agent = (user_agent or "").strip()[:MAX_USER_AGENT_LENGTH]
    if method.upper() == "HEAD":
        return Verdict(is_machine=True, reason="head_request")
    if agent in APPLE_PROXY_USER_AGENTS or is_apple_address(ip_address):
        return Verdict(is_machine=True, reason="apple_privacy_proxy")
    if not agent:
        return Verdict(is_machine=True, reason="no_user_agent")
    if SCANNER_USER_AGENTS.search(agent):
        return Verdict(is_machine=True, reason="security_scanner")
    proxy = _human_proxy(agent)
    if proxy:
        return Verdict(is_machine=False, proxy=proxy)
    if _is_crawler(agent):
        return Verdict(is_machine=True, reason="bot")
    return HUMAN


def classify_open(*, user_agent: str, ip_address: str | None, method: str = "GET") -> Verdict:
    """A pixel fetch: Apple's privacy proxy, scanners and bots are machines; Gmail's proxy is a person."""
    return _by_agent(user_agent, ip_address, method)


def classify_click(
    *,
    user_agent: str,
    ip_address: str | None,
    method: str = "GET",
    sent_at: datetime | None,
    occurred_at: datetime,
    other_links_in_burst: int = 0,
) -> Verdict:
    """A link followed: as for opens, plus clicks too soon after sending and bursts of many links
    of one message within the same second (a scanner walking every link)."""
    verdict = _by_agent(user_agent, ip_address, method)
    if verdict.is_machine:
        return verdict
    if sent_at is not None and occurred_at - sent_at < SCANNER_CLICK_WINDOW:
        return Verdict(is_machine=True, reason="too_soon_after_sending", proxy=verdict.proxy)
    if other_links_in_burst > 0:
        return Verdict(is_machine=True, reason="link_burst", proxy=verdict.proxy)
    return verdict
