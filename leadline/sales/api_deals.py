"""API routes: pipelines and deals."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Pipelines and deals"])
