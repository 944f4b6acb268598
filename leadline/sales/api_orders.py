"""API routes: products and orders."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Products and orders"])
