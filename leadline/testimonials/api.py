"""API of testimonials: list approved, moderate, request."""

from ninja import Router

router = Router(tags=["Testimonials"])
