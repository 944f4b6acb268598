"""API of sending domains and their DNS checks."""

from ninja import Router

router = Router(tags=["Sending domains"])
