"""Links as a recipient gets them: the path part of the open, click and unsubscribe URLs."""

from __future__ import annotations

from typing import Any

from django.test import Client

from leadline.mail.merge_values import unsubscribe_url
from leadline.mail.tracking import click_token, open_token
from tests.mail.tracking.factories import HUMAN_BROWSER


def open_path(message: Any) -> str:
    return f"/o/{open_token(message.public_id)}"


def click_path(message: Any, url: str) -> str:
    return f"/c/{click_token(message.public_id, url)}"


def unsubscribe_path(message: Any = None, contact: Any = None) -> str:
    contact = contact if contact is not None else message.contact
    return "/u/" + unsubscribe_url(contact=contact, message=message).rsplit("/u/", 1)[1]


def browser(user_agent: str | None = None, ip: str = "203.0.113.7") -> Client:
    """A client without cookies or CSRF allowance, like a mailbox provider or a stranger's browser."""
    return Client(enforce_csrf_checks=True, HTTP_USER_AGENT=user_agent or HUMAN_BROWSER, REMOTE_ADDR=ip)
