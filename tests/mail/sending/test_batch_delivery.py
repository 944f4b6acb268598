"""A campaign's batch goes out over one SMTP connection: every message once, with the row's
Message-ID, personalised, link-tracked, with both List-Unsubscribe forms, and DKIM-signed."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.mail.addresses import return_path, unsubscribe_mailto
from leadline.mail.dkim_signing import dkim_verify
from leadline.mail.merge_values import read_unsubscribe_token
from leadline.mail.models import OutboundMessage
from leadline.mail.sending import outbox_send_due
from leadline.mail.tracking import read_click_token
from tests.factories import CompanyFactory, ContactFactory, UserFactory
from tests.mail.sending.factories import newsletter_template, queue_campaign, rows_of, sending_domain_with_key

pytestmark = pytest.mark.django_db

BOUNCE_DOMAIN = "bounces.northwind.example"


def test_it_delivers_every_message_once_over_one_connection(smtp, sender):
    contacts = ContactFactory.create_batch(6)
    campaign = queue_campaign(contacts, sender=sender)

    report = outbox_send_due()

    assert report.sent == 6
    assert smtp.connections == 1
    rows = rows_of(campaign)
    assert sorted(smtp.message_ids) == sorted(row.message_id for row in rows)
    for row in rows:
        [message] = [m for m in smtp.messages if m["Message-ID"] == row.message_id]
        assert message.recipients == [row.to_email]
        assert row.state == OutboundMessage.State.SENT
        assert row.sent_at is not None
        assert row.smtp_response.startswith("250")
        assert row.attempts == 1
        assert not row.lease_owner and row.lease_until is None


def test_it_personalises_each_message(smtp, sender):
    ada = ContactFactory(first_name="Ada", company=CompanyFactory(name="Analytical Engines"))
    grace = ContactFactory(first_name="Grace", company=None)
    queue_campaign([ada, grace], sender=sender)

    outbox_send_due()

    [to_ada] = smtp.to(ada.email)
    [to_grace] = smtp.to(grace.email)
    assert to_ada.subject == "Spring news for Ada"
    assert to_grace.subject == "Spring news for Grace"
    assert "Hello Ada" in to_ada.text and "News for Analytical Engines this month" in to_ada.text
    assert "News for your team this month" in to_grace.text
    assert "12 Harbour Street" in to_ada.html
    assert to_ada["From"] == f"Northwind Studio <{sender.from_email}>"
    assert to_ada["Reply-To"] == sender.reply_to


def test_each_message_shows_its_own_contact_company_and_owner(smtp, sender):
    maya = UserFactory(first_name="Maya")
    engines = CompanyFactory(name="Analytical Engines", domain="engines.example", industry="Computing")
    ada = ContactFactory(
        first_name="Ada", last_name="Lovelace", job_title="Analyst", company=engines, owner=maya
    )
    charles = ContactFactory(first_name="Charles", job_title="Inventor", company=engines)
    grace = ContactFactory(first_name="Grace", job_title="Admiral", company=None, owner=maya)
    template = newsletter_template(
        body="{{ full_name }}, {{ job_title }} at {{ company | default:'no firm' }} "
        "({{ company_domain | default:'-' }}, {{ company_industry | default:'-' }}); "
        "ask {{ owner_first_name | default:'us' }}."
    )
    queue_campaign([ada, charles, grace], sender=sender, template=template)

    outbox_send_due()

    [to_ada] = smtp.to(ada.email)
    [to_charles] = smtp.to(charles.email)
    [to_grace] = smtp.to(grace.email)
    assert (
        "Ada Lovelace, Analyst at Analytical Engines (engines.example, Computing); ask Maya." in to_ada.text
    )
    assert f"{charles.full_name}, Inventor at Analytical Engines (engines.example, Computing); ask us." in (
        to_charles.text
    )
    assert f"{grace.full_name}, Admiral at no firm (-, -); ask Maya." in to_grace.text


def test_it_tracks_the_links_of_marketing_email_but_not_the_unsubscribe_link(smtp, sender, settings):
    contact = ContactFactory()
    campaign = queue_campaign([contact], sender=sender)

    outbox_send_due()

    [message] = smtp.messages
    [row] = rows_of(campaign)
    links = re.findall(r'href="([^"]+)"', message.html)
    tracked = [link for link in links if link.startswith(f"{settings.BASE_URL}/c/")]
    targets = {read_click_token(link.rsplit("/", 1)[1])[1] for link in tracked}
    assert {
        "https://northwind.example/catalogue?season=spring",
        "https://northwind.example/studio",
    } <= targets
    assert {read_click_token(link.rsplit("/", 1)[1])[0] for link in tracked} == {str(row.public_id)}
    assert any(link.startswith(f"{settings.BASE_URL}/u/") for link in links)
    assert f'src="{settings.BASE_URL}/o/' in message.html


def test_it_adds_both_unsubscribe_forms_and_the_one_click_header(smtp, sender, settings):
    settings.LEADLINE_BOUNCE_DOMAIN = BOUNCE_DOMAIN
    contact = ContactFactory()
    campaign = queue_campaign([contact], sender=sender)

    outbox_send_due()

    [message] = smtp.messages
    [row] = rows_of(campaign)
    web, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert web.startswith(f"{settings.BASE_URL}/u/")
    assert read_unsubscribe_token(web.rsplit("/", 1)[1]) == (contact.public_id, row.public_id)
    assert mailto == unsubscribe_mailto(row)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Bounces come back to an address that names the message.
    assert message.mail_from == return_path(row)


def test_without_a_bounce_domain_the_unsubscribe_header_has_the_web_link_only(smtp, sender, settings):
    settings.LEADLINE_BOUNCE_DOMAIN = ""
    queue_campaign([ContactFactory()], sender=sender)

    outbox_send_due()

    [message] = smtp.messages
    assert re.fullmatch(r"<https?://[^>]+/u/[^>]+>", message["List-Unsubscribe"])
    assert message.mail_from == sender.from_email


def test_it_signs_with_the_dkim_key_of_the_sending_domain(smtp, sender):
    domain = sending_domain_with_key(sender.from_email.rpartition("@")[2], selector="s2026")
    queue_campaign([ContactFactory(first_name="Zoë")], sender=sender)

    outbox_send_due()

    [message] = smtp.messages
    keys = {(domain.domain, "s2026"): domain.dkim_public_key}
    assert dkim_verify(message.raw, keys)
    signed = re.search(r"h=([^;]+);", " ".join(message["DKIM-Signature"].split())).group(1)
    signed_headers = {name.strip() for name in signed.split(":")}
    assert {
        "from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post",
        "mime-version", "content-type",
    } <= signed_headers  # fmt: skip
    # Changing what the reader sees breaks the signature.
    assert not dkim_verify(message.raw.replace(b"Spring news", b"Spring newz"), keys)


def test_mail_from_a_domain_without_a_key_goes_out_unsigned(smtp, sender):
    sending_domain_with_key("someone-else.example")
    queue_campaign([ContactFactory()], sender=sender)

    outbox_send_due()

    [message] = smtp.messages
    assert message["DKIM-Signature"] == ""


def test_each_sent_message_lands_once_on_the_contacts_timeline(smtp, sender):
    contacts = ContactFactory.create_batch(3)
    campaign = queue_campaign(contacts, sender=sender)

    outbox_send_due()
    outbox_send_due()  # nothing is due any more: no second entry

    entries = Activity.objects.filter(kind=Kind.EMAIL_SENT)
    assert entries.count() == 3
    for row in rows_of(campaign):
        entry = entries.get(contact=row.contact)
        assert entry.data["message"] == str(row.public_id)
        assert entry.data["campaign"] == str(campaign.public_id)
        assert entry.data["campaign_name"] == "Spring newsletter"
        assert entry.title == entry.data["subject"] == f"Spring news for {row.contact.first_name}"
        assert entry.occurred_at == row.sent_at


def test_the_b_variant_goes_out_with_its_own_subject(smtp, sender):
    contacts = ContactFactory.create_batch(2, first_name="Ada")
    queue_campaign(contacts, sender=sender, subject_b="{{ first_name }}, have you seen this?")

    outbox_send_due()

    assert sorted(message.subject for message in smtp.messages) == [
        "Ada, have you seen this?",
        "Spring news for Ada",
    ]


def test_a_row_not_yet_due_waits(smtp, sender):
    campaign = queue_campaign([ContactFactory()], sender=sender)
    OutboundMessage.objects.filter(campaign=campaign).update(
        not_before=timezone.now() + timezone.timedelta(hours=1)
    )

    report = outbox_send_due()

    assert report.claimed == 0 and smtp.messages == []
