"""`Idempotency-Key` for create requests: a client that retries after a timeout gets the first
response again instead of a second effect.

- same key, same request → the stored response is replayed (header `Idempotent-Replayed: true`);
- same key, different request → 422 `idempotency_key_reused`;
- concurrent requests with one key → the key row is inserted in the same transaction as the write,
  so the unique constraint makes the second wait for the first and then replay its response;
- only successful responses are stored: a request refused with 4xx may be corrected and retried
  with the same key;
- keys expire after 24 hours.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from leadline.accounts.models import User
from leadline.api.errors import ApiError
from leadline.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]
    replayed: bool

    def as_response(self) -> JsonResponse:
        """The JSON answer; the body was already shaped by the route's schema when first stored."""
        response = JsonResponse(self.body, status=self.status)
        if self.replayed:
            response[REPLAYED_HEADER] = "true"
        return response


def request_fingerprint(request: HttpRequest, payload: Any) -> str:
    """The same method, path and JSON body (whatever its key order or spacing) give the same hash."""
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": payload},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ApiError(
            400,
            "validation_error",
            "The Idempotency-Key header is not valid.",
            {HEADER: [f"Use 1 to {MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID."]},
        )
    return key


def _replay(record: IdempotencyKey, fingerprint: str) -> StoredResponse:
    if record.request_hash != fingerprint:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request. Use a new key.",
        )
    return StoredResponse(status=record.response_status, body=record.response_body, replayed=True)


def _live_record(user: User, key: str) -> IdempotencyKey | None:
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is not None and record.created_at < timezone.now() - KEY_LIFETIME:
        # Expired but not yet cleaned up: the key is free again.
        IdempotencyKey.objects.filter(pk=record.pk).delete()
        return None
    return record


def run_idempotent(
    *,
    user: User,
    key: str | None,
    fingerprint: str,
    execute: Callable[[], tuple[int, dict[str, Any]]],
) -> StoredResponse:
    """Run `execute` (which returns status and JSON body) at most once per (user, key)."""
    if key is None:
        status, body = execute()
        return StoredResponse(status=status, body=body, replayed=False)
    key = _check_key(key)
    record = _live_record(user, key)
    if record is not None:
        return _replay(record, fingerprint)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, request_hash=fingerprint, response_status=0, response_body={}
                )
        except IntegrityError:
            record = None  # another request with this key committed first
        if record is not None:
            status, body = execute()
            record.response_status = status
            record.response_body = body
            record.save(update_fields=["response_status", "response_body"])
            return StoredResponse(status=status, body=body, replayed=False)
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None:  # the other request failed and rolled back meanwhile
        raise ApiError(409, "idempotency_conflict", "A request with this key did not finish. Retry it.")
    return _replay(record, fingerprint)


def idempotency_keys_delete_expired() -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEY_LIFETIME).delete()
    return deleted
