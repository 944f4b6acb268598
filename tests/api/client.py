"""Helpers for API tests: tokens for the personas and a JSON client that sends them."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from leadline.accounts.models import Scope, User
from leadline.accounts.services import api_token_create

API = "/api/v1"
ALL_SCOPES = list(Scope.values)


class ApiClient:
    """Calls /api/v1 with a bearer token (or none) and JSON bodies."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        result = dict(headers or {})
        if self.token is not None:
            result.setdefault("Authorization", f"Bearer {self.token}")
        return result

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | str | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        url = path if path.startswith("/") and path.startswith(API) else f"{API}{path}"
        call = getattr(self.client, method.lower())
        if method.upper() == "GET":
            return call(url, params or {}, headers=self._headers(headers))
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return call(url, data=data, content_type="application/json", headers=self._headers(headers))

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


def token_for(user: User, scopes: list[str] | None = None) -> str:
    if scopes is None:
        scopes = [
            scope
            for scope in ALL_SCOPES
            if scope != Scope.SETTINGS_WRITE or user.is_admin or user.is_marketing
        ]
    _token, secret = api_token_create(user=user, name="Test token", scopes=scopes)
    return secret


def api_as(user: User | None, scopes: list[str] | None = None) -> ApiClient:
    return ApiClient(token_for(user, scopes) if user is not None else None)


def error_of(response: Any) -> dict[str, Any]:
    """The error object of an API error response, after checking its shape."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"status", "code", "message", "fields"}, error
    assert error["status"] == response.status_code
    return error
