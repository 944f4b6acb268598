"""Notes are Markdown rendered safely: nothing typed into a note can run in a reader's browser."""

from __future__ import annotations

import pytest

from leadline.activity.markdown import render_markdown
from tests.activity.html import parse_elements


def test_it_renders_everyday_markdown():
    html = render_markdown("**Call back** on _Monday_\n\n- budget\n- timing\n\n`code`")
    assert "<strong>Call back</strong>" in html
    assert "<em>Monday</em>" in html
    assert "<li>budget</li>" in html
    assert "<code>code</code>" in html


def test_it_keeps_typed_html_as_text():
    html = render_markdown("<script>alert(1)</script> <b>bold</b>")
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](java&#115;cript:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<a href="javascript:alert(1)">click</a>',
        "<javascript:alert(1)>",
    ],
)
def test_it_never_renders_a_live_script_link(source):
    for tag, attributes in parse_elements(render_markdown(source)):
        href = (attributes.get("href") or "").strip().lower()
        assert not href.startswith(("javascript", "vbscript", "data:")), (tag, href)


@pytest.mark.parametrize(
    "source",
    [
        '<img src=x onerror="alert(1)">',
        "![x](https://tracker.example/pixel.gif)",
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
        '<div onclick="alert(1)">x</div>',
    ],
)
def test_it_drops_images_frames_styles_and_event_handlers(source):
    for tag, attributes in parse_elements(render_markdown(source)):
        assert tag not in ("img", "iframe", "style", "script")
        assert not any(name.startswith("on") for name in attributes)


def test_links_get_nofollow_noopener():
    html = render_markdown("[site](https://example.com/page)")
    assert '<a href="https://example.com/page" rel="nofollow noopener noreferrer">site</a>' in html


def test_it_handles_empty_and_missing_text():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""  # type: ignore[arg-type]
