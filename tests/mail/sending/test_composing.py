"""The bytes on the wire: a standard multipart/alternative message that mail programs read back to
exactly what was rendered, whatever the characters, line lengths or leading dots."""

from __future__ import annotations

import email
import email.policy

from leadline.mail.transport import OutgoingEmail, compose_message

TEXT = "Grüße, Zoë!\n\n.leading dot\n" + "a very long line " * 30 + "\ntab\there and trailing space \n"
HTML = '<p style="color:#333">Grüße — <a href="https://northwind.example/?a=1&amp;b=2">link</a></p>' * 20


def compose(**changes):
    values = {
        "mail_from": "bounce+1@b.example",
        "recipient": "zoë@exämple.org",
        "from_name": 'Zoë "the boss" Müller',
        "from_email": "news@northwind.example",
        "subject": "Ünïcode subject " * 6,
        "text": TEXT,
        "html": HTML,
        "reply_to": "team@northwind.example",
        "headers": {"Message-ID": "<abc@northwind.example>", "List-Unsubscribe": "<https://x.example/u/t>"},
    }
    values.update(changes)
    return compose_message(OutgoingEmail(**values))


def test_mail_programs_read_back_what_was_rendered():
    parsed = email.message_from_bytes(compose(), policy=email.policy.default)

    assert parsed["Subject"] == ("Ünïcode subject " * 6).strip()
    assert parsed["From"].addresses[0].display_name == 'Zoë "the boss" Müller'
    assert parsed["From"].addresses[0].addr_spec == "news@northwind.example"
    assert parsed["Reply-To"] == "team@northwind.example"
    assert parsed["Message-ID"] == "<abc@northwind.example>"
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == TEXT
    assert parsed.get_body(("html",)).get_content().replace("\r\n", "\n") == HTML


def test_every_line_is_short_seven_bit_and_ends_in_crlf():
    raw = compose()

    lines = raw.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines)
    assert raw.isascii() or b"zo\xc3\xab" in raw  # only the recipient's address may need SMTPUTF8
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_header_values_cannot_add_headers():
    parsed = email.message_from_bytes(
        compose(subject="Hello\r\nBcc: everyone@example.org", headers={"Message-ID": "<a@b>\r\nX-Evil: 1"}),
        policy=email.policy.default,
    )

    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["Subject"] == "Hello Bcc: everyone@example.org"
