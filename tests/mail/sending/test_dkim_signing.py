"""DKIM signatures made with a stored key verify with dkimpy, whichever way the key is stored, and
break when what a reader sees is changed."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from leadline.mail.dkim_signing import DkimKey, DkimKeyError, check_private_key, dkim_sign, dkim_verify
from leadline.mail.transport import OutgoingEmail, compose_message

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_DER = KEY.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
)


def private_pem(private_format: serialization.PrivateFormat) -> str:
    return KEY.private_bytes(
        serialization.Encoding.PEM, private_format, serialization.NoEncryption()
    ).decode()


def message() -> bytes:
    return compose_message(
        OutgoingEmail(
            mail_from="bounce@northwind.example",
            recipient="ada@example.org",
            from_name="Zoë from Northwind",
            from_email="news@northwind.example",
            subject="Spring news for you",
            text="Hello Ada,\n\n.a line that starts with a dot\n" + "long line " * 40,
            html="<p>Hello Ada</p>",
            headers={
                "Message-ID": "<abc@northwind.example>",
                "List-Unsubscribe": "<https://leadline.example/u/token>, <mailto:unsubscribe+x@b.example>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
    )


@pytest.mark.parametrize(
    "private_format", [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL]
)
@pytest.mark.parametrize("as_pem", [False, True])
def test_a_signature_verifies_against_the_stored_public_key(private_format, as_pem):
    key = DkimKey(
        domain="northwind.example", selector="leadline", private_key_pem=private_pem(private_format)
    )
    public = (
        KEY.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
        if as_pem
        else base64.b64encode(PUBLIC_DER).decode()
    )

    signed = dkim_sign(message(), key)

    header = signed.split(b"\r\n\r\n", 1)[0].split(b"\r\nFrom:", 1)[0]
    assert header.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;")
    assert b"d=northwind.example;" in header and b"s=leadline;" in header
    assert dkim_verify(signed, {("northwind.example", "leadline"): public})


@pytest.mark.parametrize(
    ("original", "changed"),
    [
        (b"Subject: Spring news", b"Subject: Autumn news"),
        (b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: nothing"),
        (b"Hello Ada", b"Hello Bob"),
    ],
)
def test_changing_a_signed_part_breaks_the_signature(original, changed):
    key = DkimKey(
        domain="northwind.example",
        selector="leadline",
        private_key_pem=private_pem(serialization.PrivateFormat.PKCS8),
    )
    signed = dkim_sign(message(), key)
    assert original in signed

    assert not dkim_verify(
        signed.replace(original, changed, 1),
        {("northwind.example", "leadline"): base64.b64encode(PUBLIC_DER).decode()},
    )


def test_a_signature_is_only_good_for_its_own_selector():
    key = DkimKey(
        domain="northwind.example",
        selector="leadline",
        private_key_pem=private_pem(serialization.PrivateFormat.PKCS8),
    )

    signed = dkim_sign(message(), key)

    assert not dkim_verify(signed, {("northwind.example", "other"): base64.b64encode(PUBLIC_DER).decode()})


def test_a_key_that_is_not_rsa_or_not_a_key_is_refused():
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(DkimKeyError, match="not an RSA key"):
        check_private_key(ec_key.decode())
    with pytest.raises(DkimKeyError, match="cannot be read"):
        check_private_key("-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----")
