"""Campaign tests run with the segments room's audience provider registered (as in the app)."""

from __future__ import annotations

from typing import Any

import pytest

from leadline.mail.audiences import audience_provider


@pytest.fixture(autouse=True)
def _provider_registered() -> None:
    assert audience_provider() is not None


@pytest.fixture
def contacts(db: None) -> list[Any]:
    from tests.mail.campaigns.factories import make_contacts

    return make_contacts(10)


@pytest.fixture
def audience(contacts: list[Any]) -> Any:
    from tests.mail.campaigns.factories import make_list

    return make_list(contacts)
