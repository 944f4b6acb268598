"""API of revenue attribution and customer lifetime value."""

from ninja import Router

router = Router(tags=["Attribution and lifetime value"])
