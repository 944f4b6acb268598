"""Access table of the recipient's side of email: the open pixel, the click redirect, the
unsubscribe page (with its one-click POST) and the preference centre are public, reached through
signed links in the email."""

from __future__ import annotations

from typing import Any

from leadline.contacts.models import Contact
from leadline.mail.merge_values import unsubscribe_url
from leadline.mail.models import OutboundMessage
from leadline.mail.tracking import click_token, open_token
from tests.access_areas import Entry, public

U = "/u/{mail_unsubscribe_token}"

UI_ROUTES: dict[str, Entry] = {
    "mail_public:open": public("/o/{mail_open_token}"),
    "mail_public:click": public("/c/{mail_click_token}"),
    "mail_public:unsubscribe": public(U, "POST", data={"List-Unsubscribe": "One-Click"}),
    "mail_public:preferences": public(f"{U}/preferences", "POST", data={"unsubscribe_all": "1"}),
}


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    """A sent email to oscar's contact, and the links it carried."""
    contact = Contact.objects.get(public_id=ids["contact"])
    message = OutboundMessage.objects.create(
        key=f"access:{contact.public_id}",
        to_email=contact.email or "someone@example.org",
        contact=contact,
        message_id="<access-world@leadline.test>",
        state=OutboundMessage.State.SENT,
        not_before=contact.created_at,
        sent_at=contact.created_at,
    )
    return {
        "mail_open_token": open_token(message.public_id),
        "mail_click_token": click_token(message.public_id, "https://www.example.com/offer"),
        "mail_unsubscribe_token": unsubscribe_url(contact=contact, message=message).rsplit("/", 1)[1],
    }
