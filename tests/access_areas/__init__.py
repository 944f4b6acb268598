"""The access tables of each area, kept beside one another so that rooms can add theirs without
editing one long file: every module in this package may declare

- `UI_ROUTES: dict[str, Entry]` — named screens and their outcome per persona,
- `API_ROUTES: list[Route]` and `API_EXPECT: dict[str, dict[str, Any]]` — API operations,
- `world(personas, ids) -> dict[str, str]` — objects of oscar's for the access matrix,
- `api_ids(alice, ids) -> dict[str, str]` — objects of alice's for the API scope tests.

`tests/test_access_matrix.py` and `tests/api/` merge them with the core tables.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

PERSONAS = ("anonymous", "alice", "maria", "sam", "oscar")
OK = "ok"  # allowed: any answer but a refusal (it may still be a 400 for the empty test input)
LOGIN = "login"  # anonymous: redirected to sign in
PUBLIC = "public"  # reachable by anyone, signed in or not


@dataclass(frozen=True)
class Entry:
    path: str
    method: str = "GET"
    # Outcome per persona; personas not named get `default`.
    expect: dict[str, Any] = field(default_factory=dict)
    default: Any = OK
    anonymous: Any = LOGIN
    data: dict[str, Any] | None = None

    def outcome(self, persona: str) -> Any:
        if persona == "anonymous":
            return self.anonymous
        return self.expect.get(persona, self.default)


def everyone(path: str, method: str = "GET", **kwargs: Any) -> Entry:
    return Entry(path, method, **kwargs)


def admin_only(path: str, method: str = "GET", **kwargs: Any) -> Entry:
    return Entry(path, method, expect={"alice": OK}, default=403, **kwargs)


def importers(path: str, method: str = "GET", **kwargs: Any) -> Entry:
    return Entry(path, method, expect={"alice": OK, "maria": OK}, default=403, **kwargs)


def oscars(path: str, method: str = "GET", *, sam: Any = 404, **kwargs: Any) -> Entry:
    """An object of oscar's: sam (outside his team) gets the same 404 as for a missing object."""
    return Entry(path, method, expect={"sam": sam}, **kwargs)


def public(path: str, method: str = "GET", **kwargs: Any) -> Entry:
    return Entry(path, method, default=PUBLIC, anonymous=PUBLIC, **kwargs)


@dataclass(frozen=True)
class Route:
    url_name: str
    method: str
    path: str  # with {contact}, {company}, {property}, {note} placeholders
    scope: str | None
    body: Any = None


def area_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{module.name}")
        for module in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name)
    ]
