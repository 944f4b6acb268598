"""Bounce tests: a bounce domain, sent messages to bounce, and the DSN samples in `samples/` with
the message's addresses filled in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.mail.bounces.factories import sent_message

SAMPLES = Path(__file__).parent / "samples"
BOUNCE_DOMAIN = "bounces.northwind.example"


@pytest.fixture(autouse=True)
def bounce_domain(settings: Any) -> str:
    settings.LEADLINE_BOUNCE_DOMAIN = BOUNCE_DOMAIN
    return BOUNCE_DOMAIN


def sample(name: str, message: Any = None, **values: str) -> bytes:
    """The sample `name`.eml with {RETURN_PATH}, {UNSUBSCRIBE_ADDRESS}, {MESSAGE_ID} and {RECIPIENT}
    of `message` (or of `values`) filled in."""
    from leadline.mail.addresses import return_path, unsubscribe_mailto

    text = (SAMPLES / f"{name}.eml").read_text()
    if message is not None:
        mailto = unsubscribe_mailto(message)
        values = {
            "RETURN_PATH": return_path(message) or "bounces@northwind.example",
            "UNSUBSCRIBE_ADDRESS": mailto.removeprefix("mailto:").split("?", 1)[0],
            "MESSAGE_ID": message.message_id,
            "RECIPIENT": message.to_email,
            **values,
        }
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text.replace("\n", "\r\n").encode()


@pytest.fixture
def message(db: None) -> Any:
    return sent_message(to_email="jane@example.org")
