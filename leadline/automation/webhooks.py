"""Webhook calls from workflow steps, guarded against server-side request forgery.

Only http(s) URLs on the default ports or 1024+ are called, and only when every address the host
name resolves to is public: loopback, private, link-local (cloud metadata), multicast and reserved
ranges are refused, and the connection goes to the address that was checked (no second lookup a
DNS rebinding could change). `LEADLINE_WEBHOOKS_ALLOW_PRIVATE = True` lifts the address check for
tests and closed networks. Redirects are not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT_SECONDS = 5.0
MAX_URL_LENGTH = 2000
USER_AGENT = "Leadline-Webhooks/1"


class WebhookError(Exception):
    pass


def _allow_private() -> bool:
    return bool(getattr(settings, "LEADLINE_WEBHOOKS_ALLOW_PRIVATE", False))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_url(url: str, *, resolve: bool = True) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) of an allowed URL, or WebhookError saying why."""
    if len(url) > MAX_URL_LENGTH:
        raise WebhookError("The address is too long.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("Use an http:// or https:// address.")
    if parts.username or parts.password:
        raise WebhookError("Put credentials in the path or a query, not before the host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookError("The port is not valid.") from None
    if port not in (80, 443) and port < 1024:
        raise WebhookError("Use port 80, 443 or a port above 1023.")
    host = parts.hostname
    if not resolve:
        try:
            if not _allow_private() and not _public(host):
                raise WebhookError("Webhooks cannot call private or local addresses.")
        except ValueError:
            pass  # a name, checked when called
        return parts.scheme, host, port, host
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise WebhookError(f"The host name {host} could not be found.") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise WebhookError(f"The host name {host} could not be found.")
    if not _allow_private() and not all(_public(address) for address in addresses):
        raise WebhookError("Webhooks cannot call private or local addresses.")
    return parts.scheme, host, port, addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address while verifying the certificate of the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post_json(url: str, payload: dict[str, Any], *, idempotency_key: str) -> int:
    """POST `payload`; returns the status of a 2xx answer, raises WebhookError otherwise.

    The `Idempotency-Key` header lets the receiver ignore a repeat: a worker that stops after the
    call but before recording it calls again with the same key."""
    scheme, host, port, address = check_url(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = json.dumps(payload, default=str).encode()
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = _PinnedHTTPSConnection(host, address, port, TIMEOUT_SECONDS)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Host": host if port in (80, 443) else f"{host}:{port}",
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Idempotency-Key": idempotency_key,
            },
        )
        response = connection.getresponse()
        response.read(65536)
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        raise WebhookError(f"The webhook could not be reached: {error}") from None
    finally:
        connection.close()
    if not 200 <= status < 300:
        raise WebhookError(f"The webhook answered {status}.")
    return status
