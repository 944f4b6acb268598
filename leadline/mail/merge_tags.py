"""The merge-tag language of Leadline's emails: `{{ name }}` and `{{ name | default:"text" }}`, nothing else.

User-written templates never reach Django's template engine: they could otherwise read settings,
call methods or walk object graphs. A tag here is looked up by its exact name in a flat dict of
plain values built for the purpose, and only names on an allow-list count. Anything else inside
`{{ }}` (an unknown name, a filter other than `default`, an attribute chain) renders as nothing, and
so do block tags (`{% load %}`, `{% if %}`) unless the caller keeps them as plain text. Rendering is
one pass: text a value brings in is never read again as a tag.

Every room that fills tags uses this module (the forms room's instant replies pass their own, smaller
allow-list); `leadline.mail.rendering` uses `scan` to find the tags of a template once, at compile
time, and fills them per recipient.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.html import escape

# Contact and company fields, the contact's owner, and the links and sender details of an email.
CONTACT_TAGS: dict[str, str] = {
    "first_name": "The contact's first name",
    "last_name": "The contact's last name",
    "full_name": "First and last name",
    "email": "Their email address",
    "phone": "Their phone number",
    "job_title": "Their job title",
    "city": "Their city",
    "country": "Their country",
    "company": "The company they work for",
    "company_domain": "Their company's web domain",
    "company_industry": "Their company's industry",
    "owner_name": "The name of their contact person on your team",
    "owner_first_name": "The first name of their contact person",
    "owner_email": "The email address of their contact person",
}
EMAIL_TAGS: dict[str, str] = {
    "booking_link": "A link to book a meeting",
    "unsubscribe_url": "The link to unsubscribe (required in marketing email)",
    "postal_address": "The sender's postal address (required in marketing email)",
    "sender_name": "The sender's name",
    "sender_email": "The sender's email address",
}
# `{{ content }}` marks where a layout puts the email's body; it means nothing anywhere else.
LAYOUT_TAGS: dict[str, str] = {"content": "Where the email's content goes (layouts only)"}
BUILT_IN_TAGS: dict[str, str] = {**CONTACT_TAGS, **EMAIL_TAGS}
CONTACT_PROPERTY_PREFIX = "contact."
COMPANY_PROPERTY_PREFIX = "company."
# Tags whose values are web addresses made by Leadline itself.
LINK_TAGS = frozenset({"booking_link", "unsubscribe_url"})

TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
BLOCK = re.compile(r"\{%.*?%\}", re.DOTALL)
_TAG_OR_BLOCK = re.compile(r"\{\{(?P<tag>.*?)\}\}|(?P<block>\{%.*?%\})", re.DOTALL)
_INSIDE = re.compile(
    r"""^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*
        (?:\|\s*default\s*:\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'))?\s*$""",
    re.VERBOSE,
)
SHOWN_MAX = 60


@dataclass(frozen=True)
class MergeTag:
    """One parsed `{{ name | default:"text" }}`."""

    name: str
    default: str = ""


@dataclass(frozen=True)
class Piece:
    """A stretch of a template: literal `text`, a tag to fill (`tag`), or a tag that renders as nothing
    (`tag` None, `source` set: an unknown name, a bad syntax or a block tag)."""

    text: str = ""
    tag: MergeTag | None = None
    source: str = ""
    is_block: bool = False


def parse_tag(inside: str) -> MergeTag | None:
    """The tag written between `{{` and `}}`, or None when it is not valid syntax."""
    parsed = _INSIDE.match(inside)
    if parsed is None:
        return None
    default = parsed.group("double")
    if default is None:
        default = parsed.group("single")
    return MergeTag(name=parsed.group("name"), default=default or "")


def scan(template: str, allowed: Collection[str], *, keep_blocks: bool = False) -> Iterator[Piece]:
    """Split `template` into literal text and tags. Tags not on `allowed` come out as nothing.

    `keep_blocks` leaves `{% ... %}` as the plain text it is (instant replies have always done so);
    otherwise a block tag renders as nothing, like any other code-looking thing.
    """
    pattern = TAG if keep_blocks else _TAG_OR_BLOCK
    position = 0
    for match in pattern.finditer(template or ""):
        if match.start() > position:
            yield Piece(text=template[position : match.start()])
        position = match.end()
        if not keep_blocks and match.group("block") is not None:
            yield Piece(source=match.group(0), is_block=True)
            continue
        tag = parse_tag(match.group(1))
        if tag is None or tag.name not in allowed:
            yield Piece(source=match.group(0))
        else:
            yield Piece(tag=tag, source=match.group(0))
    if position < len(template or ""):
        yield Piece(text=template[position:])


def display_value(value: Any) -> str:
    """A stored value as people would write it: lists joined, yes/no for booleans, whole numbers plain."""
    if type(value) is str:  # nearly always: ask first
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple)):
        return ", ".join(part for part in (display_value(item) for item in value) if part)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str):
        return value
    # Anything else (a dict from a hand-edited JSON property, an object) is not a merge value.
    return ""


def fill(tag: MergeTag, values: Mapping[str, Any]) -> str:
    """The text for one tag: its value, or the tag's default when the value is blank."""
    value = display_value(values.get(tag.name))
    return value if value.strip() else tag.default


def render_text(
    template: str,
    values: Mapping[str, Any],
    *,
    allowed: Collection[str] | None = None,
    escape_values: bool = False,
    keep_blocks: bool = False,
) -> str:
    """Fill the tags of `template` from `values` in one pass.

    `allowed` defaults to the names present in `values`. With `escape_values`, values and defaults are
    HTML-escaped (for an HTML part); literal text is left as it is.
    """
    names: Collection[str] = values.keys() if allowed is None else allowed
    transform: Callable[[str], str] = (lambda text: str(escape(text))) if escape_values else str
    parts = []
    for piece in scan(template, names, keep_blocks=keep_blocks):
        if piece.tag is not None:
            parts.append(transform(fill(piece.tag, values)))
        elif not piece.source:
            parts.append(piece.text)
    return "".join(parts)


def used_names(template: str, allowed: Collection[str]) -> set[str]:
    """The allowed tag names a template uses."""
    return {piece.tag.name for piece in scan(template, allowed) if piece.tag is not None}


def merge_tag_problems(
    template: str,
    allowed: Collection[str],
    *,
    keep_blocks: bool = False,
    example: str = "first_name",
    max_listed: int = 12,
) -> list[str]:
    """What is wrong with a template's tags, for an editor to show before anything is sent.

    Each problem names the tag as written. Unknown names are told the names they could use (up to
    `max_listed` of them).
    """
    problems = []
    listed = list(allowed)[:max_listed]
    choices = ", ".join(listed) + (", …" if len(allowed) > max_listed else "")
    for piece in scan(template, allowed, keep_blocks=keep_blocks):
        if piece.tag is not None or not piece.source:
            continue
        shown = piece.source[:SHOWN_MAX]
        if piece.is_block:
            problems.append(
                f"{shown} is not supported: email templates have merge tags such as {{{{ {example} }}}}, "
                "no template code."
            )
            continue
        tag = parse_tag(piece.source[2:-2])
        if tag is None:
            problems.append(
                f"{shown} is not a merge tag. Write {{{{ {example} }}}} or "
                f'{{{{ {example} | default:"there" }}}}.'
            )
        else:
            problems.append(f"{shown} is not a merge tag. Use one of: {choices}.")
    return problems


def available_tags(
    *,
    contact_properties: Mapping[str, str] | None = None,
    company_properties: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every tag an email may use: the built-in ones and one per custom property (key → label)."""
    tags = dict(BUILT_IN_TAGS)
    for key, label in (contact_properties or {}).items():
        tags[f"{CONTACT_PROPERTY_PREFIX}{key}"] = f"Contact property: {label}"
    for key, label in (company_properties or {}).items():
        tags[f"{COMPANY_PROPERTY_PREFIX}{key}"] = f"Company property: {label}"
    return tags
