"""Automation tests: a default sender and two ready email templates."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mail.factories import SenderIdentityFactory, TransactionalTemplateFactory


@pytest.fixture
def sender(db: None) -> Any:
    return SenderIdentityFactory(is_default=True)


@pytest.fixture
def template(sender: Any) -> Any:
    return TransactionalTemplateFactory(name="Welcome", subject="Hello {{ first_name }}", body="Hi there")


@pytest.fixture
def other_template(sender: Any) -> Any:
    return TransactionalTemplateFactory(name="Follow-up", subject="Still there?", body="Checking in")
