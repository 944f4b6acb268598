"""The merge tags of form emails: the mail room's merge-tag language with the forms' own allow-list.

`{{ name }}` and `{{ name | default:"text" }}`, nothing else; see `leadline.mail.merge_tags` (the one
implementation). Instant replies are plain text, so values are filled in raw and `{% ... %}` stays the
plain text it always was.
"""

from __future__ import annotations

from collections.abc import Mapping

from leadline.mail import merge_tags as language

MERGE_TAGS: dict[str, str] = {
    name: language.BUILT_IN_TAGS[name]
    for name in ("first_name", "last_name", "company", "email", "booking_link")
}
TEMPLATE_MAX_LENGTH = 20_000


def render_merge_tags(template: str, values: Mapping[str, str]) -> str:
    """Fill the tags of `template` from `values`. One pass: text a value brings in is not re-read."""
    return language.render_text(template, values, allowed=MERGE_TAGS, keep_blocks=True)


def merge_tag_problems(template: str) -> list[str]:
    """What is wrong with a template, for the builder to show before anything is sent."""
    problems = []
    if len(template or "") > TEMPLATE_MAX_LENGTH:
        problems.append(f"Keep templates under {TEMPLATE_MAX_LENGTH:,} characters.")
    problems.extend(language.merge_tag_problems(template or "", MERGE_TAGS, keep_blocks=True))
    return problems
