"""DKIM signatures of outgoing email (RFC 6376), made with the sending domain's stored key.

dkimpy does the parts that must follow the RFC to the letter: parsing the message, the relaxed
canonicalisation of headers and body, hashing the signed header fields and folding the header.
The RSA operation itself goes through OpenSSL (`cryptography`): dkimpy's pure-Python RSA costs about
ten milliseconds a message, which would make signing, not the mail server, the limit of a campaign.
Verification (used by the tests and the domain check) is dkimpy's own.

Keys are stored as PEM (PKCS#1 or PKCS#8); the public key as the base64 `p=` value of the DNS record
or as PEM.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from dkim.canonicalization import CanonicalizationPolicy

# The header fields a signature covers, when the message has them. A receiver then knows that none of
# what people read (sender, subject), what mailbox providers act on (the unsubscribe headers, the
# Message-ID) or how the body is to be read (the MIME headers) was changed on the way.
SIGNED_HEADERS = (
    b"from",
    b"to",
    b"cc",
    b"reply-to",
    b"subject",
    b"date",
    b"message-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"mime-version",
    b"content-type",
    b"content-transfer-encoding",
)
CANONICALIZATION = b"relaxed/relaxed"
_PLACEHOLDER = b"0" * 60  # keeps b= on its own line while folding, as dkimpy does


class DkimKeyError(ValueError):
    """The stored private key cannot be read as an RSA key."""


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    private_key_pem: str


@lru_cache(maxsize=32)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except (ValueError, TypeError) as error:
        raise DkimKeyError(f"The DKIM private key cannot be read: {error}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise DkimKeyError("The DKIM private key is not an RSA key.")
    return key


def check_private_key(pem: str) -> None:
    """Raise DkimKeyError when `pem` is not a usable RSA private key."""
    _private_key(pem)


def dkim_sign(message: bytes, key: DkimKey, *, signed_headers: Iterable[bytes] = SIGNED_HEADERS) -> bytes:
    """`message` (CRLF line ends) with a DKIM-Signature header field in front of it."""
    headers, body = dkim.rfc822_parse(message)
    present = {name.lower() for name, _value in headers}
    include = tuple(name for name in signed_headers if name in present)
    if b"from" not in include:
        raise ValueError("A message without a From header cannot be signed.")
    policy = CanonicalizationPolicy.from_c_value(CANONICALIZATION)
    body_hash = base64.b64encode(hashlib.sha256(policy.canonicalize_body(body)).digest())
    domain = key.domain.encode("idna")
    fields = [
        (b"v", b"1"),
        (b"a", b"rsa-sha256"),
        (b"c", CANONICALIZATION),
        (b"d", domain),
        (b"s", key.selector.encode("ascii")),
        (b"t", str(int(time.time())).encode("ascii")),
        (b"h", b" : ".join(include)),
        (b"bh", body_hash),
        (b"b", _PLACEHOLDER),
    ]
    name = b"DKIM-Signature"
    unsigned = dkim.fold(b"; ".join(b"=".join(field) for field in fields), namelen=len(name))
    unsigned = dkim.RE_BTAG.sub(b"\\1", unsigned)
    hasher = hashlib.sha256()
    dkim.hash_headers(
        hasher, policy, policy.canonicalize_headers(headers), include, (name, b" " + unsigned), dict(fields)
    )
    signature = _private_key(key.private_key_pem).sign(
        hasher.digest(), padding.PKCS1v15(), Prehashed(hashes.SHA256())
    )
    fields[-1] = (b"b", base64.b64encode(signature))
    value = dkim.fold(b"; ".join(b"=".join(field) for field in fields) + b"\r\n", namelen=len(name))
    return name + b": " + value + message


def dns_record_value(public_key: str) -> bytes:
    """The `p=` value of a stored public key, whether stored bare or as PEM."""
    text = public_key.strip()
    if "-----BEGIN" in text:
        text = "".join(line for line in text.splitlines() if line and not line.startswith("-----"))
    return re.sub(r"\s+", "", text).encode("ascii")


def dkim_verify(message: bytes, public_keys: Mapping[tuple[str, str], str]) -> bool:
    """Verify the first DKIM signature of `message` against `public_keys` ((domain, selector) → key),
    standing in for the DNS lookup a receiver would make."""

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        selector, _, rest = name.decode("ascii").rstrip(".").partition("._domainkey.")
        key = public_keys.get((rest.lower(), selector))
        if key is None:
            return None
        return b"v=DKIM1; k=rsa; p=" + dns_record_value(key)

    return bool(dkim.verify(message, dnsfunc=lookup))
