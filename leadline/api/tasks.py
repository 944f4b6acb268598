"""Periodic housekeeping of the API: expired idempotency keys."""

from __future__ import annotations

from datetime import timedelta

from leadline.api.idempotency import idempotency_keys_delete_expired
from leadline.core.scheduler import periodic


@periodic(every=timedelta(hours=1))
def idempotency_keys_cleanup() -> int:
    return idempotency_keys_delete_expired()
