"""API of the shared numbers: metrics, funnel, dashboards, goals."""

from ninja import Router

router = Router(tags=["Reports"])
