"""Adding the contacts of an import to a list ("add imported contacts to list X").

Lists belong to a room above contacts (segments). The import does not import it: the lists room
registers a `ListDestination` here when the application starts, and the import wizard and the
command line offer the option only when one is registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

MAX_LIST_NAME = 200


@dataclass(frozen=True)
class ListChoice:
    """An existing list (`list_id`, a public id) or a new one named `new_name`."""

    list_id: str = ""
    new_name: str = ""

    def __bool__(self) -> bool:
        return bool(self.list_id or self.new_name)

    def as_json(self) -> dict[str, str]:
        return {"list_id": self.list_id, "new_name": self.new_name}

    @classmethod
    def from_json(cls, value: Any) -> ListChoice:
        if not isinstance(value, dict):
            return cls()
        return cls(list_id=str(value.get("list_id") or ""), new_name=str(value.get("new_name") or ""))


class ListTarget(Protocol):
    """The list an import adds to, once found or created."""

    name: str
    url: str

    def add(self, contact_ids: list[int]) -> int:
        """Add these contacts (primary keys); answers how many were not in the list yet."""
        ...


class ListDestination(Protocol):
    def options(self) -> list[tuple[str, str]]:
        """(public id, name) of the lists an import may add to."""
        ...

    def describe(self, choice: ListChoice) -> str:
        """The list's name as people should read it; raises ValidationError({"list": …}) when the
        choice cannot be used (unknown list, a name taken by something that is not a list)."""
        ...

    def target(self, choice: ListChoice, *, actor: Any) -> ListTarget:
        """Find the list, or create the new one; raises ValidationError like `describe`."""
        ...


_destination: ListDestination | None = None


def register_list_destination(destination: ListDestination) -> None:
    global _destination  # set once, when the lists room starts
    _destination = destination


def list_destination() -> ListDestination | None:
    return _destination
