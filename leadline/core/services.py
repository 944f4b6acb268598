"""Writes shared by every room: the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models

from leadline.core.models import AuditEntry


def audit_record(
    *, actor: Any, action: str, target: models.Model | None = None, summary: str = "", **data: Any
) -> AuditEntry:
    object_id = ""
    if target is not None:
        object_id = str(getattr(target, "public_id", "") or target.pk)
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=object_id,
        summary=summary[:500],
        data=data,
    )
