"""The sending tests run the engine against the aiosmtpd server of tests/fixtures_smtp.py."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from django.test import override_settings

from leadline.mail import sending
from tests.fixtures_smtp import SmtpSink


@pytest.fixture(autouse=True)
def _fresh_compile_cache() -> Iterator[None]:
    # Compiled templates are cached per process by id and version; ids repeat across tests.
    sending._COMPILED.clear()
    yield
    sending._COMPILED.clear()


@pytest.fixture
def smtp(smtp_mail: SmtpSink) -> Iterator[SmtpSink]:
    """The test server with Django's SMTP settings pointed at it, a short timeout and no rate limit."""
    override = override_settings(EMAIL_TIMEOUT=2, LEADLINE_SEND_RATE=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # EMAIL_* are deprecated in Django 6.1
        override.enable()
    try:
        yield smtp_mail
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            override.disable()
