"""Access table of 1:1 email: anyone may email a contact they can see (sam cannot reach oscar's
contact: 404), and everyone has their own list of sent email."""

from __future__ import annotations

import uuid
from typing import Any

from tests.access_areas import Route, everyone, oscars

P = "/email/messages/contacts/{contact}"


def _send_data() -> dict[str, str]:
    return {
        "subject": "Following up",
        "body": "Hi {{ first_name }}, thanks for the call.",
        "nonce": str(uuid.uuid4()),
    }


UI_ROUTES = {
    "mail:personal_panel": oscars(f"{P}/"),
    "mail:personal_send": oscars(f"{P}/send/", "POST", data=_send_data()),
    "mail:personal_sent": everyone("/email/messages/sent/"),
}

API_ROUTES = [
    Route(
        "personal_email_send",
        "POST",
        "/contacts/{contact}/emails",
        "sales:write",
        {"subject": "Following up", "body": "Hi {{ first_name }}, thanks for the call."},
    ),
    Route("personal_email_list", "GET", "/contacts/{contact}/emails", "sales:read"),
]

API_EXPECT: dict[str, dict[str, Any]] = {
    "personal_email_send": {"sam": 404},
    "personal_email_list": {"sam": 404},
}
