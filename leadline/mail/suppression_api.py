"""API of the suppression list and of unsubscribes."""

from ninja import Router

router = Router(tags=["Suppression"])
