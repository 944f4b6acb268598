"""Bot and crawler filtering for the public tracking endpoint, using the maintained `crawlerdetect`
patterns. Results are cached per user agent: real traffic repeats a few thousand of them."""

from __future__ import annotations

from functools import lru_cache

from crawlerdetect import CrawlerDetect

MAX_USER_AGENT_LENGTH = 1000

_detector = CrawlerDetect()


@lru_cache(maxsize=8192)
def _is_crawler(user_agent: str) -> bool:
    return bool(_detector.is_crawler(user_agent))


def is_bot(user_agent: str | None) -> bool:
    """True for crawlers, monitoring tools, HTTP libraries, and clients that send no user agent."""
    agent = (user_agent or "").strip()
    if not agent:
        return True
    return _is_crawler(agent[:MAX_USER_AGENT_LENGTH])
