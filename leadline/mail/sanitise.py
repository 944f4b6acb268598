"""Cleaning user-written email HTML and CSS: what survives is markup that email clients render and
that cannot run code, load other documents or break out of its element.

HTML goes through nh3 (ammonia) with an allow-list made for email: tables and their layout
attributes, inline styles and classes (responsive CSS targets them), links and images on http(s),
mailto and tel only. Outlook's conditional comments are kept when they hold nothing dangerous; every
other comment goes. CSS (from `<style>` blocks and `style` attributes) loses anything that could close
its element, import other sheets or reach script.
"""

from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "address", "article", "b", "big", "blockquote", "br", "caption", "center", "cite",
        "code", "col", "colgroup", "dd", "del", "div", "dl", "dt", "em", "figcaption", "figure", "font",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li",
        "main", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strike",
        "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
        "wbr",
    }
)  # fmt: skip
# Removed together with everything inside them (the rest of a disallowed tag's content is kept).
REMOVED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "title",
        "textarea",
        "select",
        "noscript",
        "iframe",
        "object",
        "template",
        "svg",
        "math",
    }
)
_LAYOUT_ATTRIBUTES = {"align", "valign", "width", "height", "bgcolor", "border", "dir", "lang", "title"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {
        "style", "class", "role", "aria-label", "aria-hidden", "aria-roledescription", *_LAYOUT_ATTRIBUTES,
    },
    "a": {"href", "target", "name"},
    "img": {"src", "alt"},
    "table": {"cellpadding", "cellspacing", "summary"},
    "td": {"colspan", "rowspan", "nowrap", "vertical-align", "scope"},
    "th": {"colspan", "rowspan", "nowrap", "vertical-align", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type"},
    "ul": {"type"},
    "li": {"value"},
}  # fmt: skip
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
# The shapes of Outlook's conditional comments: <!--[if mso]> … <![endif]-->, <!--[if !mso]><!-->, <!--<![endif]-->.
_CONDITIONAL = re.compile(
    r"^(\[if [^\]<>]{1,40}\]>.*<!\[endif\]|\[if [^\]<>]{1,40}\]><!|<!\[endif\])$", re.DOTALL
)
_DANGEROUS_IN_COMMENT = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|meta|link|base|form|svg|math|style)\b|javascript\s*:|vbscript\s*:"
    r"|\son[a-z]+\s*=",
    re.IGNORECASE,
)

_CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)
_CSS_SCRIPT = re.compile(r"(java|vb)script\s*:|expression\s*\(|behaviou?r\s*:|-moz-binding", re.IGNORECASE)


def clean_css(css: str) -> str:
    """CSS that cannot leave its `<style>` element or attribute, import other sheets or reach script.

    Backslash escapes are dropped so that none of the above can be spelt in disguise.
    """
    cleaned = css.replace("\x00", "").replace("\\", "").replace("<", "")
    cleaned = _CSS_IMPORT.sub("", cleaned)
    previous = None
    while previous != cleaned:  # removing one pattern must not join the pieces of another
        previous = cleaned
        cleaned = _CSS_SCRIPT.sub("", cleaned)
    return cleaned


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "style":
        return clean_css(value)
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(REMOVED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    strip_comments=False,
    link_rel=None,
    url_schemes=set(URL_SCHEMES),
)


def _keep_comment(match: re.Match[str]) -> str:
    inside = match.group(1)
    if _CONDITIONAL.match(inside) and not _DANGEROUS_IN_COMMENT.search(inside):
        return match.group(0)
    return ""


def clean_html(fragment: str) -> str:
    """An HTML fragment (the inside of `<body>`) with only email-safe markup left."""
    return _COMMENT.sub(_keep_comment, _CLEANER.clean(fragment))
