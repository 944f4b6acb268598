"""User-written HTML is cleaned for email: no scripts, event handlers or javascript: links survive,
in any format, in the body or the layout."""

from __future__ import annotations

import pytest

from leadline.mail.merge_tags import BUILT_IN_TAGS
from leadline.mail.rendering import LayoutSource, compile_source
from leadline.mail.sanitise import clean_css, clean_html
from tests.mail.html_checks import assert_no_active_content

HOSTILE = """
<script>alert(1)</script>
<img src="x" onerror="alert(2)">
<a href="javascript:alert(3)">a</a>
<a href="JaVaScRiPt:alert(4)">b</a>
<a href=" javascript:alert(5)">c</a>
<iframe src="https://evil.example"></iframe>
<svg onload="alert(6)"><script>alert(7)</script></svg>
<form action="https://evil.example"><input name="x"><button>Go</button></form>
<p style="background:url(javascript:alert(8)); width: expression(alert(9))" onclick="alert(10)">text</p>
<!--[if mso]><script>alert(11)</script><![endif]-->
<!-- a plain comment -->
<object data="x.swf"></object><embed src="x.swf">
<meta http-equiv="refresh" content="0;url=https://evil.example">
<base href="https://evil.example/">
"""
# What runs in a browser: script bodies and handlers. (CSS values are defused, not all removed.)
SCRIPTS = [f"alert({number})" for number in (1, 2, 3, 4, 5, 6, 7, 10, 11)]


def _compile(format: str, body: str, layout: LayoutSource | None = None):
    return compile_source(
        kind="transactional",
        format=format,
        subject="Hi",
        preheader="",
        body=body,
        layout=layout,
        allowed=BUILT_IN_TAGS,
    ).render({})


@pytest.mark.parametrize("format", ["html", "markdown"])
def test_scripts_handlers_and_javascript_links_are_removed(format):
    html = _compile(format, HOSTILE).html

    assert_no_active_content(html)
    lowered = html.lower()
    for gone in (
        *SCRIPTS,
        "javascript",
        "expression",
        "evil.example",
        "<form",
        "<input",
        "a plain comment",
        "<base",
    ):
        assert gone not in lowered
    assert ">text</p>" in html  # the harmless part of an element stays


def test_mjml_content_is_cleaned_too():
    body = f"<mjml><mj-head><mj-style>a {{ background: url(javascript:alert(12)) }} @import url(https://evil.example/x.css);</mj-style></mj-head><mj-body><mj-section><mj-column><mj-text>{HOSTILE}</mj-text><mj-raw>{HOSTILE}</mj-raw></mj-column></mj-section></mj-body></mjml>"

    html = _compile("mjml", body).html

    assert_no_active_content(html)
    assert not any(script in html for script in SCRIPTS)
    assert "javascript" not in html and "evil.example" not in html


def test_a_layout_is_cleaned_like_the_body():
    layout = LayoutSource(
        html=f"{HOSTILE}<div>{{{{ content }}}}</div>", css="</style><script>alert(1)</script>"
    )

    html = _compile("markdown", "Hello", layout=layout).html

    assert_no_active_content(html)
    assert not any(script in html for script in SCRIPTS)
    assert "Hello" in html


def test_email_layout_markup_survives_cleaning():
    fragment = (
        '<!--[if mso]><table role="presentation" width="600"><tr><td><![endif]-->'
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" bgcolor="#ffffff">'
        '<tr><td align="center" valign="top" class="mj-column-per-50" style="padding:8px">'
        '<a href="https://x.test" target="_blank">Link</a> <a href="mailto:a@x.test">Mail</a> '
        '<a href="tel:+441632960961">Call</a><img src="https://x.test/a.png" alt="A" width="100"></td></tr></table>'
        "<!--[if mso]></td></tr></table><![endif]-->"
    )

    cleaned = clean_html(fragment)

    for kept in (
        "<!--[if mso]>",
        'bgcolor="#ffffff"',
        'valign="top"',
        'class="mj-column-per-50"',
        'style="padding:8px"',
        'target="_blank"',
        'href="mailto:a@x.test"',
        'href="tel:+441632960961"',
        'width="100"',
    ):
        assert kept in cleaned


def test_css_cannot_close_its_element_or_import_or_script():
    css = "p { color: red } </style><script>x</script> @import url(https://evil.example); a { b: expr\\ession(1); c: url(java\\script:x) } d { -moz-binding: url(x) }"

    cleaned = clean_css(css)

    assert "<" not in cleaned
    for gone in ("@import", "expression(", "javascript:", "-moz-binding"):
        assert gone not in cleaned.lower()
    assert "p { color: red }" in cleaned
