"""The plain-text part is written from the HTML and reads well on its own."""

from __future__ import annotations

from leadline.mail.merge_tags import BUILT_IN_TAGS
from leadline.mail.plain_text import html_to_text
from leadline.mail.rendering import compile_source


def test_it_writes_headings_paragraphs_lists_links_and_quotes():
    html = """<html><head><title>Not shown</title><style>p { color: red }</style></head><body>
    <div style="display:none">The preheader</div>
    <h1>Welcome aboard</h1>
    <p>Hi <b>Ada</b>,   thanks for
       signing up. <a href="https://x.test/guide">Read the guide</a> or visit <a href="https://x.test">https://x.test</a>.</p>
    <h2>Next steps</h2>
    <ul><li>One</li><li>Two<ul><li>Nested</li></ul></li></ul>
    <ol start="3"><li>Three</li><li>Four</li></ol>
    <blockquote><p>Quoted words</p></blockquote>
    <p>Line<br>break <a href="mailto:team@x.test">write to us</a></p>
    <p><a href="https://x.test/logo"><img src="logo.png" alt="Northwind"></a></p>
    <!--[if mso]><p>Outlook only</p><![endif]-->
    </body></html>"""

    assert html_to_text(html) == (
        "Welcome aboard\n"
        "==============\n"
        "\n"
        "Hi Ada, thanks for signing up. Read the guide (https://x.test/guide) or visit https://x.test.\n"
        "\n"
        "Next steps\n"
        "----------\n"
        "\n"
        "- One\n"
        "- Two\n"
        "  - Nested\n"
        "\n"
        "3. Three\n"
        "4. Four\n"
        "\n"
        "> Quoted words\n"
        "\n"
        "Line\n"
        "break write to us (team@x.test)\n"
        "\n"
        "Northwind (https://x.test/logo)\n"
    )


def test_the_text_part_of_a_template_gets_the_raw_merge_values():
    compiled = compile_source(
        kind="transactional",
        format="markdown",
        subject="Hi",
        preheader="",
        body="# Hi {{ first_name }}\n\n[Book a call]({{ booking_link }}) with {{ company }}.",
        layout=None,
        allowed=BUILT_IN_TAGS,
    )

    text = compiled.render(
        {"first_name": "Ada & Bob", "booking_link": "https://x.test/meet/?a=1&b=2", "company": "<Acme>"}
    ).text

    assert "Hi Ada & Bob\n=" in text
    assert "Book a call (https://x.test/meet/?a=1&b=2) with <Acme>." in text


def test_a_link_whose_address_renders_as_nothing_reads_as_plain_words():
    compiled = compile_source(
        kind="transactional",
        format="html",
        subject="Hi",
        preheader="",
        body='<p><a href="{{ company }}">Our website</a></p>',
        layout=None,
        allowed=BUILT_IN_TAGS,
    )

    assert compiled.render({"company": "not a link"}).text == "Our website\n"
