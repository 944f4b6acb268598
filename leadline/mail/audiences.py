"""Who a campaign goes to, without mail knowing about segments.

Segments and static lists live a floor above mail, so the segments app registers a provider at
start-up (`register_audience_provider`) and mail asks it for the choices and the contact ids of
one audience. With no provider registered, campaigns have no audiences to offer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class AudienceChoice:
    type: str  # "segment" or "list"
    id: UUID
    name: str
    size: int | None = None


class AudienceProvider(Protocol):
    def choices(self, user: Any) -> list[AudienceChoice]:
        """The segments and lists `user` may send to."""
        ...

    def get(self, user: Any, type: str, id: UUID) -> AudienceChoice | None:
        """One audience `user` may send to, or None."""
        ...

    def contact_ids(self, type: str, id: UUID) -> Iterator[int]:
        """The internal ids of the audience's current members."""
        ...


_provider: AudienceProvider | None = None


def register_audience_provider(provider: AudienceProvider) -> None:
    global _provider
    _provider = provider


def audience_provider() -> AudienceProvider | None:
    return _provider
