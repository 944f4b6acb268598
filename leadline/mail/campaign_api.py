"""API of campaigns: create, schedule, pause, resume, cancel, report."""

from ninja import Router

router = Router(tags=["Campaigns"])
