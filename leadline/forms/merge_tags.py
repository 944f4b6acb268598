"""The merge-tag language of form emails: `{{ name }}` and `{{ name | default:"text" }}`, nothing else.

User-written templates never reach Django's template engine: they could otherwise read settings,
call methods or walk object graphs. Here a tag is looked up in a flat dict of plain strings built
for the purpose; any other name, or any other syntax inside `{{ }}`, renders as nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MERGE_TAGS: dict[str, str] = {
    "first_name": "The contact's first name",
    "last_name": "The contact's last name",
    "company": "The company they work for",
    "email": "Their email address",
    "booking_link": "A link to book a meeting",
}
TEMPLATE_MAX_LENGTH = 20_000

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_INSIDE = re.compile(
    r"""^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*
        (?:\|\s*default\s*:\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'))?\s*$""",
    re.VERBOSE,
)


def render_merge_tags(template: str, values: Mapping[str, str]) -> str:
    """Fill the tags of `template` from `values`. One pass: text a value brings in is not re-read."""

    def replace(match: re.Match[str]) -> str:
        parsed = _INSIDE.match(match.group(1))
        if parsed is None or parsed.group("name") not in MERGE_TAGS:
            return ""
        value = values.get(parsed.group("name"))
        if isinstance(value, str) and value.strip():
            return value
        return parsed.group("double") or parsed.group("single") or ""

    return _TAG.sub(replace, template or "")


def merge_tag_problems(template: str) -> list[str]:
    """What is wrong with a template, for the builder to show before anything is sent."""
    problems = []
    if len(template or "") > TEMPLATE_MAX_LENGTH:
        problems.append(f"Keep templates under {TEMPLATE_MAX_LENGTH:,} characters.")
    for match in _TAG.finditer(template or ""):
        parsed = _INSIDE.match(match.group(1))
        shown = match.group(0)[:60]
        if parsed is None:
            problems.append(
                f'{shown} is not a merge tag. Write {{{{ first_name }}}} or {{{{ first_name | default:"there" }}}}.'
            )
        elif parsed.group("name") not in MERGE_TAGS:
            problems.append(f"{shown} is not a merge tag. Use one of: {', '.join(MERGE_TAGS)}.")
    return problems
