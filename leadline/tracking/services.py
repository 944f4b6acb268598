"""Writes for sites: create, change, delete. (Events are written by `ingest`, identities by `stitching`.)"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from leadline.core.access import PermissionDeniedForRole
from leadline.core.services import audit_record
from leadline.tracking.models import Site
from leadline.tracking.selectors import site_cache_forget

MAX_DOMAINS = 50
MAX_NAME_LENGTH = 120
_DOMAIN = re.compile(
    r"^(\*\.)?(?=.{1,253}(:|$))([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$"
)


def _require_editor(actor: Any) -> None:
    if not (getattr(actor, "is_admin", False) or getattr(actor, "is_marketing", False)):
        raise PermissionDeniedForRole("Only admins and marketing can manage tracked sites.")


def clean_allowed_domains(value: Any) -> list[str]:
    """Host names from text (one per line or comma-separated) or a list; URLs are reduced to their host.

    `example.com` allows that host, `*.example.com` it and every subdomain, `localhost:8001` one port.
    """
    if isinstance(value, str):
        items = re.split(r"[\s,]+", value)
    elif isinstance(value, (list, tuple)):
        items = [item for item in value if isinstance(item, str)]
        if len(items) != len(value):
            raise ValidationError({"allowed_domains": "Domains must be text."})
    else:
        raise ValidationError({"allowed_domains": "Domains must be text."})
    domains: list[str] = []
    for raw in items:
        item = raw.strip().lower()
        if not item:
            continue
        item = re.sub(r"^[a-z][a-z0-9+.-]*://", "", item).split("/", 1)[0].rstrip(".")
        if not _DOMAIN.match(item) or (item.count(":") == 1 and int(item.rsplit(":", 1)[1]) > 65535):
            raise ValidationError(
                {"allowed_domains": f"{raw.strip()[:80]!r} is not a host name like example.com."}
            )
        if item not in domains:
            domains.append(item)
    if not domains:
        raise ValidationError({"allowed_domains": "Add the domain your website runs on, e.g. example.com."})
    if len(domains) > MAX_DOMAINS:
        raise ValidationError({"allowed_domains": f"At most {MAX_DOMAINS} domains per site."})
    return domains


def _forget(key: str) -> None:
    """Drop the collector's cached copy now, and again after commit in case a request re-read the
    old row in between."""
    site_cache_forget(key)
    transaction.on_commit(lambda: site_cache_forget(key))


def _clean_name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise ValidationError({"name": "Give the site a name, e.g. “Main website”."})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": f"Names are at most {MAX_NAME_LENGTH} characters."})
    return name


def site_create(*, actor: Any, name: Any, allowed_domains: Any, respect_dnt: bool = True) -> Site:
    _require_editor(actor)
    site = Site(
        name=_clean_name(name),
        allowed_domains=clean_allowed_domains(allowed_domains),
        respect_dnt=bool(respect_dnt),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    with transaction.atomic():
        site.save()
        audit_record(actor=actor, action="site.created", target=site, summary=site.name)
    _forget(site.key)
    return site


def site_update(*, site: Site, actor: Any, name: Any, allowed_domains: Any, respect_dnt: bool) -> Site:
    _require_editor(actor)
    site.name = _clean_name(name)
    site.allowed_domains = clean_allowed_domains(allowed_domains)
    site.respect_dnt = bool(respect_dnt)
    with transaction.atomic():
        site.save(update_fields=["name", "allowed_domains", "respect_dnt", "updated_at"])
        audit_record(
            actor=actor, action="site.updated", target=site, summary=site.name, domains=site.allowed_domains
        )
    _forget(site.key)
    return site


def site_delete(*, site: Site, actor: Any) -> None:
    """Remove the site and its visitor records. Page views stay on the activity log (and on the
    timelines of identified contacts): they are history, not configuration."""
    _require_editor(actor)
    key = site.key
    with transaction.atomic():
        audit_record(actor=actor, action="site.deleted", target=site, summary=site.name)
        site.delete()
    _forget(key)
