"""Email tests share the SMTP test server (aiosmtpd) and a default sender with a postal address."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures_smtp import smtp_mail, smtp_server  # noqa: F401
from tests.mail.factories import SenderIdentityFactory


@pytest.fixture
def sender(db: None) -> Any:
    return SenderIdentityFactory(is_default=True)
