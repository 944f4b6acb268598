"""From a template to the email that is sent: compiled once, rendered per recipient.

`compile_template` does the slow, shared work once: MJML through mrml, Markdown through markdown-it,
the layout around the content, sanitising (nh3), CSS inlining (css-inline), the plain-text part.
Merge tags are swapped for markers before any of that and survive it; the result is a list of
literal pieces and slots. `CompiledEmail.render(values)` then only fills the slots, so a campaign
renders thousands of messages from one compiled template at the cost of a string join each.

Each slot knows where it sits, and fills itself accordingly: text in HTML is escaped, a whole link
(`href="{{ booking_link }}"`) must be an http(s), mailto or tel address or it renders as nothing, a
tag inside a link is percent-encoded, and tags in CSS or comments are dropped. The plain-text part
and the subject get the raw values.

Problems a person must fix (MJML that does not parse, a marketing email without an unsubscribe
link) raise `ValidationError` naming the field; nothing here answers with a server error.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from html import escape as escape_html
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import css_inline
import mrml
from django.core.exceptions import ValidationError
from django.utils.html import escape
from markdown_it import MarkdownIt

from leadline.mail import merge_tags
from leadline.mail.merge_tags import MergeTag
from leadline.mail.plain_text import html_to_text
from leadline.mail.sanitise import clean_css, clean_html
from leadline.mail.selectors import merge_tag_catalogue

BODY_MAX_LENGTH = 200_000
LAYOUT_MAX_LENGTH = 100_000
CSS_MAX_LENGTH = 50_000
# mrml and css-inline recurse natively: nesting this deep is no email, and much deeper crashes them.
MAX_NESTING = 400
REQUIRED_IN_MARKETING = {
    "unsubscribe_url": "an unsubscribe link ({{ unsubscribe_url }})",
    "postal_address": "the sender's postal address ({{ postal_address }})",
}
SAFE_URL = re.compile(r"^(https?://[^\s<>\"']+|mailto:[^\s<>\"']+|tel:[+0-9 ().-]+)$", re.IGNORECASE)

# Slot modes. In HTML: TEXT and ATTRIBUTE are escaped, URL is a whole link address, URL_PART sits
# inside one. Slots in CSS, comments or in place of an attribute name are dropped at compile time.
TEXT, ATTRIBUTE, URL, URL_PART = "t", "a", "u", "p"
URL_ATTRIBUTES = frozenset({"href", "src", "background", "cite", "action", "poster", "data"})

# `breaks`: a line break in the source is one in the email, as people who write email expect.
_MARKDOWN = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(["table", "strikethrough"])
_INLINER = css_inline.CSSInliner(
    inline_style_tags=True, keep_style_tags=False, keep_at_rules=True, load_remote_stylesheets=False
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_STYLE_BLOCK = re.compile(r"<style\b([^>]*)>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_MEDIA_ATTRIBUTE = re.compile(r"""\bmedia\s*=\s*["']([^"'<>{}]*)["']""", re.IGNORECASE)
_BODY = re.compile(r"<body\b([^>]*)>(.*)</body\s*>", re.IGNORECASE | re.DOTALL)
_BODY_OPEN = re.compile(r"<body\b([^>]*)>(.*)", re.IGNORECASE | re.DOTALL)
_STYLE_ATTRIBUTE = re.compile(r"""\bstyle\s*=\s*"([^"]*)"|\bstyle\s*=\s*'([^']*)'""", re.IGNORECASE)
_OPEN_OR_CLOSE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)\b[^<>]*?(/?)>")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_PREHEADER_FILLER = "&#847;&zwnj;&nbsp;" * 40

Piece = str | tuple[int, str]


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledEmail:
    """A template made ready to render: literal pieces and (tag index, mode) slots."""

    kind: str
    tags: tuple[MergeTag, ...]
    subject: tuple[Piece, ...]
    html: tuple[Piece, ...]
    text: tuple[Piece, ...]
    warnings: tuple[str, ...] = ()
    # What is worked out from the compiled email for sending it (`leadline.mail.wire`), kept with it.
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tag_names(self) -> frozenset[str]:
        """The tags that survive in the email (a tag dropped from CSS or a comment does not count)."""
        used = {
            piece[0]
            for part in (self.subject, self.html, self.text)
            for piece in part
            if isinstance(piece, tuple)
        }
        return frozenset(self.tags[index].name for index in used)

    def filled(self, values: Mapping[str, Any]) -> list[str]:
        """Each tag's text for these values (its default when blank), in the order of `tags`."""
        return [merge_tags.fill(tag, values) for tag in self.tags]

    def subject_text(self, filled: list[str]) -> str:
        return " ".join(_join(self.subject, filled, _FOR_SUBJECT).split())

    def html_text(self, filled: list[str]) -> str:
        return html_pieces_text(self.html, filled)

    def plain_text(self, filled: list[str]) -> str:
        # A link whose address rendered as nothing would read "text ()".
        return _join(self.text, filled, _FOR_TEXT).replace(" ()", "")

    def render(self, values: Mapping[str, Any]) -> RenderedEmail:
        filled = self.filled(values)
        headers: dict[str, str] = {}
        unsubscribe = str(values.get("unsubscribe_url") or "")
        if self.kind == "marketing" and SAFE_URL.match(unsubscribe) and unsubscribe.startswith("http"):
            # RFC 8058: mailbox providers show an unsubscribe button and may POST to the link.
            headers["List-Unsubscribe"] = f"<{unsubscribe}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return RenderedEmail(
            subject=self.subject_text(filled),
            html=self.html_text(filled),
            text=self.plain_text(filled),
            headers=headers,
        )


def safe_url(value: str) -> str:
    """A whole link address from a merge value: http(s), mailto or tel, else nothing."""
    value = value.strip()
    return value if SAFE_URL.match(value) else ""


def _html_text(value: str) -> str:
    return escape_html(value).replace("\r\n", "\n").replace("\n", "<br>")


# The standard library's escape, as Django's `escape` uses, without its lazy-text wrapping: a
# campaign fills these slots for every recipient.
_FOR_HTML = {
    TEXT: _html_text,
    ATTRIBUTE: lambda value: escape_html(" ".join(value.split())),
    URL: lambda value: escape_html(safe_url(value)),
    URL_PART: lambda value: escape_html(quote(value, safe="")),
}
_FOR_TEXT = {
    TEXT: lambda value: value,
    ATTRIBUTE: lambda value: " ".join(value.split()),
    URL: safe_url,
    URL_PART: lambda value: quote(value, safe=""),
}
_FOR_SUBJECT = {mode: (lambda value: value) for mode in (TEXT, ATTRIBUTE, URL, URL_PART)}


def html_slot(slot: tuple[int, str], filled: list[str]) -> str:
    """A merge slot of the HTML part, filled as the place it stands in wants it."""
    return _FOR_HTML[slot[1]](filled[slot[0]])


def html_pieces_text(pieces: tuple[Piece, ...], filled: list[str]) -> str:
    """HTML pieces (literal text and merge slots) joined, the slots filled."""
    return _join(pieces, filled, _FOR_HTML)


def _join(pieces: tuple[Piece, ...], filled: list[str], formats: Mapping[str, Any]) -> str:
    return "".join(
        piece if isinstance(piece, str) else formats[piece[1]](filled[piece[0]]) for piece in pieces
    )


# --- Compiling ------------------------------------------------------------------------------------


class _Markers:
    """Stands in for merge tags while the source goes through the converters: `ll<nonce><mode><n>z`,
    letters and digits only, so that Markdown, MJML, the sanitiser and the inliner leave it alone."""

    def __init__(self, allowed: Collection[str]) -> None:
        self.allowed = allowed
        self.nonce = secrets.token_hex(5)
        self.tags: list[MergeTag] = []
        self.pattern = re.compile(rf"ll{self.nonce}([taup])(\d+)z")

    def marker(self, index: int, mode: str = TEXT) -> str:
        return f"ll{self.nonce}{mode}{index}z"

    def protect(self, source: str, *, also: Collection[str] = ()) -> str:
        names = set(self.allowed) | set(also)
        out = []
        for piece in merge_tags.scan(source, names):
            if piece.tag is not None:
                self.tags.append(piece.tag)
                out.append(self.marker(len(self.tags) - 1))
            elif not piece.source:
                out.append(piece.text)
        return "".join(out)

    def pieces(self, text: str) -> tuple[Piece, ...]:
        out: list[Piece] = []
        position = 0
        for match in self.pattern.finditer(text):
            if match.start() > position:
                out.append(text[position : match.start()])
            out.append((int(match.group(2)), match.group(1)))
            position = match.end()
        if position < len(text):
            out.append(text[position:])
        return tuple(out)


def normalise_newlines(text: str) -> str:
    """Browsers send text areas with CRLF line ends, which mrml cannot always read."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _nesting_depth(markup: str) -> int:
    depth = deepest = 0
    for closing, name, self_closing in _OPEN_OR_CLOSE.findall(markup):
        if closing:
            depth = max(depth - 1, 0)
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _check_size(value: str, *, field_name: str, limit: int, what: str) -> None:
    if len(value) > limit:
        raise ValidationError({field_name: f"The {what} is too long: keep it under {limit:,} characters."})
    if _nesting_depth(value) > MAX_NESTING:
        raise ValidationError({field_name: f"The {what} nests tags more than {MAX_NESTING} levels deep."})


def _styles_of(markup: str) -> list[str]:
    """The CSS of every `<style>` block, media-specific ones wrapped in their @media rule."""
    styles = []
    # Styles inside comments are Outlook's own (<!--[if mso]><style>…), not for everyone.
    for attributes, css in _STYLE_BLOCK.findall(_COMMENT.sub("", markup)):
        media = _MEDIA_ATTRIBUTE.search(attributes)
        styles.append(f"@media {media.group(1)} {{ {css} }}" if media else css)
    return styles


def _body_of(markup: str) -> tuple[str, str]:
    """(inside of <body>, its style attribute) of a whole document; a fragment is its own body."""
    match = _BODY.search(markup) or _BODY_OPEN.search(markup)
    if match is None:
        return _STYLE_BLOCK.sub("", markup), ""
    style = _STYLE_ATTRIBUTE.search(match.group(1))
    return match.group(2), (style.group(1) or style.group(2) or "") if style else ""


def _mrml_problem(error: Exception, source: str) -> str:
    detail = str(error).strip() or "it is not valid MJML"
    position = re.search(r"position (\d+)", detail)
    where = ""
    if position:
        offset = min(int(position.group(1)), len(source))
        line = source.count("\n", 0, offset) + 1
        where = f" (near line {line})"
        detail = detail[: position.start()].rstrip(" at")
    detail = detail.replace(" in root template", "")
    return (
        f"The MJML could not be read{where}: {detail}. Check that it starts with <mjml>, "
        "that every tag is closed and that attribute values are in quotes."
    )


def _compile_mjml(source: str) -> tuple[list[str], str, list[str]]:
    try:
        output = mrml.to_html(source, parser_options=mrml.ParserOptions(include_loader=mrml.noop_loader()))
    except Exception as error:  # mrml raises OSError for any parse problem; none of it is our bug
        raise ValidationError({"body": _mrml_problem(error, source)}) from None
    warnings = [
        f"MJML: {warning.kind} near line {source.count(chr(10), 0, warning.start) + 1}"
        for warning in output.warnings
    ]
    inside, body_style = _body_of(output.content)
    head = output.content.split("<body", 1)[0]
    if body_style:
        inside = f'<div style="{escape(body_style)}">{inside}</div>'
    return _styles_of(head), inside, warnings


def _content(*, format: str, body: str) -> tuple[list[str], str, list[str]]:
    """(styles, HTML fragment, warnings) of a template's own source."""
    if format == "mjml":
        return _compile_mjml(body)
    if format == "markdown":
        try:
            return [], _MARKDOWN.render(body), []
        except RecursionError:
            raise ValidationError({"body": "The Markdown nests too deeply to be read."}) from None
    return _styles_of(body), _body_of(body)[0], []


class _Placer(HTMLParser):
    """Re-writes the compiled document, giving each marker the mode of the place it ended up in:
    text, an attribute, a link address, or nowhere (CSS, scripts, comments, attribute names).

    A real tokenizer, not a pattern: an attribute value may hold `>` and still be inside its tag.
    """

    def __init__(self, markers: _Markers) -> None:
        super().__init__(convert_charrefs=False)
        self.markers = markers
        self.out: list[str] = []
        self.raw_element: str | None = None

    def _with_mode(self, text: str, mode: str | None) -> str:
        if mode is None:
            return self.markers.pattern.sub("", text)
        return self.markers.pattern.sub(lambda match: self.markers.marker(int(match.group(2)), mode), text)

    def _attribute(self, name: str, value: str) -> str:
        if name == "style":
            return self._with_mode(value, None)
        if name in URL_ATTRIBUTES:
            out = []
            position = 0
            for match in self.markers.pattern.finditer(value):
                out.append(value[position : match.start()])
                mode = URL if not "".join(out).strip() else URL_PART
                out.append(self.markers.marker(int(match.group(2)), mode))
                position = match.end()
            out.append(value[position:])
            return "".join(out)
        return self._with_mode(value, ATTRIBUTE)

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], *, self_closing: bool) -> str:
        parts = [f"<{tag}"]
        for raw_name, value in attrs:
            name = self._with_mode(raw_name, None)
            if not name or not re.fullmatch(r"[a-z][a-z0-9:_.-]*", name):
                continue
            if value is None:
                parts.append(f" {name}")
            else:
                parts.append(f' {name}="{escape(self._attribute(name, value))}"')
        parts.append(" />" if self_closing else ">")
        return "".join(parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "title"):
            self.raw_element = tag
        self.out.append(self._tag(tag, attrs, self_closing=False))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, self_closing=True))

    def handle_endtag(self, tag: str) -> None:
        if tag == self.raw_element:
            self.raw_element = None
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.raw_element in ("style", "script"):
            self.out.append(self._with_mode(data, None))
        elif self.raw_element == "title":
            self.out.append(self._with_mode(data, ATTRIBUTE))
        else:
            self.out.append(self._with_mode(data, TEXT))

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{self._with_mode(data, None)}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{self._with_mode(data, None)}]>")

    def handle_pi(self, data: str) -> None:
        return None


def _place_markers(document: str, markers: _Markers) -> str:
    placer = _Placer(markers)
    placer.feed(document)
    placer.close()
    return "".join(placer.out)


def _document(*, title: str, styles: list[str], preheader: str, inside: str) -> str:
    css = clean_css("\n".join(style for style in styles if style.strip()))
    hidden = ""
    if preheader:
        hidden = (
            '<div style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;'
            f'overflow:hidden;mso-hide:all;">{escape(preheader)}{_PREHEADER_FILLER}</div>'
        )
    return (
        '<!doctype html><html lang="en" xmlns="http://www.w3.org/1999/xhtml" '
        'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge"><meta name="x-apple-disable-message-reformatting">'
        f"<title>{escape(title)}</title>"
        "<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:AllowPNG/><o:PixelsPerInch>96"
        "</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript><![endif]-->"
        f"<style>{css}</style></head>"
        f'<body style="margin:0;padding:0;">{hidden}{inside}</body></html>'
    )


@dataclass(frozen=True)
class LayoutSource:
    html: str
    css: str = ""


def compile_source(
    *,
    kind: str,
    format: str,
    subject: str,
    preheader: str,
    body: str,
    layout: LayoutSource | None,
    allowed: Collection[str],
) -> CompiledEmail:
    """Compile a template's fields (saved or not). Raises ValidationError naming the field at fault."""
    body = normalise_newlines(body)
    if layout is not None:
        layout = LayoutSource(html=normalise_newlines(layout.html), css=normalise_newlines(layout.css))
    _check_size(body, field_name="body", limit=BODY_MAX_LENGTH, what="email")
    if layout is not None:
        _check_size(layout.html, field_name="layout", limit=LAYOUT_MAX_LENGTH, what="layout")
    markers = _Markers(allowed)
    styles, content, warnings = _content(format=format, body=markers.protect(body))
    if layout is not None:
        content_marker_start = len(markers.tags)
        wrapper = markers.protect(layout.html, also=merge_tags.LAYOUT_TAGS)
        content_indexes = [
            index
            for index in range(content_marker_start, len(markers.tags))
            if markers.tags[index].name == "content"
        ]
        layout_styles = [layout.css[:CSS_MAX_LENGTH], *_styles_of(wrapper)]
        wrapper = _body_of(wrapper)[0]
        if content_indexes:
            first = markers.marker(content_indexes[0])
            wrapper = wrapper.replace(first, content, 1)
            for index in content_indexes[1:]:
                wrapper = wrapper.replace(markers.marker(index), "")
        else:
            wrapper += content
        styles = layout_styles + styles
        content = wrapper
    subject_source = markers.protect(subject)
    preheader_source = markers.protect(preheader)
    document = _document(
        title=subject_source, styles=styles, preheader=preheader_source, inside=clean_html(content)
    )
    try:
        document = _INLINER.inline(document)
    except Exception as error:  # css-inline's InlineError: a stylesheet it cannot read
        raise ValidationError({"body": f"The CSS could not be applied: {error}"}) from None
    document = _place_markers(document, markers)
    return CompiledEmail(
        kind=kind,
        tags=tuple(markers.tags),
        subject=markers.pieces(subject_source),
        html=markers.pieces(document),
        text=markers.pieces(html_to_text(document, placeholder=markers.pattern)),
        warnings=tuple(warnings),
    )


def marketing_problems(compiled: CompiledEmail, *, layout_named: bool) -> str | None:
    """What a marketing email lacks to be sent lawfully, in one sentence, or None."""
    missing = [what for name, what in REQUIRED_IN_MARKETING.items() if name not in compiled.tag_names]
    if not missing:
        return None
    where = "the layout or the body" if layout_named else "the body (or choose a layout that has them)"
    return f"Marketing email must include {' and '.join(missing)}: add {'them' if len(missing) > 1 else 'it'} to {where}."


def layout_source(layout: Any) -> LayoutSource | None:
    return LayoutSource(html=layout.html, css=layout.css) if layout is not None else None


def compile_template(template: Any, *, allowed: Collection[str] | None = None) -> CompiledEmail:
    """Compile a saved template once, for as many recipients as it will be rendered for."""
    return compile_source(
        kind=template.kind,
        format=template.format,
        subject=template.subject,
        preheader=template.preheader,
        body=template.body,
        layout=layout_source(template.layout),
        allowed=allowed if allowed is not None else merge_tag_catalogue(),
    )
