"""API of 1:1 email from a salesperson to a contact, and of sent messages."""

from ninja import Router

router = Router(tags=["Messages"])
