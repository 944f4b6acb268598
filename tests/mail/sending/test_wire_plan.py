"""The HTML part as a recipient's mail reader decodes it is the same whether it was made the long way
(fill the template, track its links, encode it whole) or from the wire plan worked out once per
template: the same text, the same tracked links and open pixel, and lines a mail server accepts."""

from __future__ import annotations

import binascii
import random
import uuid

import pytest

from leadline.mail.merge_tags import BUILT_IN_TAGS
from leadline.mail.rendering import LayoutSource, compile_source
from leadline.mail.tracking import read_click_token, track_html
from leadline.mail.wire import wire_plan

BASE = "https://leadline.test"
LAYOUT = LayoutSource(
    html='<div class="frame">{{ content }}</div><p class="foot">{{ postal_address }} · '
    '<a href="{{ unsubscribe_url }}">Unsubscribe</a> · <a href="https://leadline.test/u/preferences">Preferences</a></p>',
    css=".frame { padding: 24px; } @media (max-width: 480px) { .frame { padding: 8px !important; } }",
)
BODIES = {
    "markdown": """# {{ first_name | default:"Hello" }}, news for {{ company | default:"you" }}

[Browse the catalogue](https://shop.example/catalogue?season=spring&amp=1) or [the sale](https://shop.example/sale).
The same link twice: [catalogue](https://shop.example/catalogue?season=spring&amp=1).
[Book a call]({{ booking_link }}) with {{ owner_first_name | default:"our team" }}.
[Write to us](mailto:hello@shop.example) · [Call](tel:+441234567) · [Top](#top)
[Your page](https://shop.example/people/{{ first_name }}?city={{ city }})
.a line that starts with a dot, and = signs = everywhere
""",
    "html": """<html><head><style>.x { color: red; }</style></head><BODY>
<!--[if mso]><a href="https://shop.example/outlook">Outlook only</a><![endif]-->
<a data-href="https://shop.example/not-this" href="https://shop.example/but-this" title="{{ first_name }}">Two hrefs</a>
<a href="{{ booking_link }}" data-x="{{ city }}">Book</a>
<a class="button" href = 'https://shop.example/single-quoted'>Single quotes</a>
<p>{{ first_name }} {{ last_name }} in {{ city }}. {{ postal_address }} {{ unsubscribe_url }}</p>
<a href="https://shop.example/very/long/path/{{ city }}/and/more/so/that/the/line/is/longer/than/seventy/six">Long</a>
</BODY></html>
""",
    "mjml": """<mjml><mj-body><mj-section><mj-column>
<mj-text>Hi {{ first_name }}, from {{ company }}.</mj-text>
<mj-button href="https://shop.example/mjml-button">Shop</mj-button>
<mj-button href="{{ booking_link }}">Book</mj-button>
<mj-text>{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>
</mj-column></mj-section></mj-body></mjml>""",
}
NAMES = ["Ada", "Zoë", "Łukasz", "李雷", "", "   ", ".dot", "O'Brien & <Sons>", "a\r\nb", "tab\there", "=3D"]


def values_for(rng: random.Random) -> dict[str, str]:
    return {
        "first_name": rng.choice(NAMES),
        "last_name": rng.choice(NAMES) * rng.randint(0, 12),
        "company": rng.choice(["Firm 1", "Émile & Fils", "", "x" * 90]),
        "city": rng.choice(["Paris", "São Paulo", "", "New York"]),
        "owner_first_name": rng.choice(["Maya", ""]),
        "booking_link": rng.choice([f"{BASE}/meet/", "javascript:alert(1)", "", "https://cal.example/a b"]),
        "postal_address": "12 Harbour Street\nBristol BS1 4QA",
        "unsubscribe_url": f"{BASE}/u/{uuid.uuid4().hex}",
    }


def compiled(format: str, layout: LayoutSource | None):
    return compile_source(
        kind="marketing",
        format=format,
        subject='Hi {{ first_name | default:"there" }}',
        preheader="Spring is here",
        body=BODIES[format],
        layout=layout,
        allowed=BUILT_IN_TAGS,
    )


def decoded(encoded: bytes) -> str:
    assert b"\n" not in encoded.replace(b"\r\n", b""), "every line ends in CRLF"
    assert all(len(line) <= 78 for line in encoded.split(b"\r\n")), "quoted-printable lines stay short"
    return binascii.a2b_qp(encoded).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("layout", [LAYOUT, None], ids=["layout", "no-layout"])
@pytest.mark.parametrize("format", sorted(BODIES))
def test_tracked_html_from_the_plan_is_what_the_long_way_makes(settings, format, layout):
    settings.BASE_URL = BASE
    email = compiled(format, layout)
    plan = wire_plan(email, tracked=True)
    assert plan.exact
    rng = random.Random(format)
    for _ in range(40):
        values = values_for(rng)
        message_id = uuid.uuid4()
        filled = email.filled(values)
        expected = track_html(
            email.html_text(filled), message_public_id=message_id, unsubscribe_url=values["unsubscribe_url"]
        )

        html, encoded = plan.fill(
            filled, message_id=message_id.bytes, unsubscribe_url=values["unsubscribe_url"]
        )

        assert html == expected
        assert decoded(encoded) == expected.replace("\r\n", "\n").replace("\r", "\n")


def test_untracked_html_from_the_plan_is_the_template_filled(settings):
    settings.BASE_URL = BASE
    email = compiled("markdown", LAYOUT)
    values = values_for(random.Random(3))
    filled = email.filled(values)

    html, encoded = wire_plan(email, tracked=False).fill(filled)

    assert html == email.html_text(filled)
    assert "/c/" not in html and "/o/" not in html
    assert decoded(encoded) == html.replace("\r\n", "\n").replace("\r", "\n")


def test_links_are_tracked_once_each_and_lead_back_to_their_address(settings):
    settings.BASE_URL = BASE
    email = compiled("markdown", LAYOUT)
    values = values_for(random.Random(5)) | {"booking_link": f"{BASE}/meet/"}
    message_id = uuid.uuid4()

    html, _encoded = wire_plan(email, tracked=True).fill(
        email.filled(values), message_id=message_id.bytes, unsubscribe_url=values["unsubscribe_url"]
    )

    tokens = [part.split('"')[0] for part in html.split(f'href="{BASE}/c/')[1:]]
    targets = [read_click_token(token) for token in tokens]
    assert {url for _id, url in targets} >= {
        "https://shop.example/catalogue?season=spring&amp=1",
        "https://shop.example/sale",
        f"{BASE}/meet/",
    }
    assert {message for message, _url in targets} == {str(message_id)}
    # The unsubscribe link and the site's own /u/ pages are never behind the tracker.
    assert f'href="{values["unsubscribe_url"]}"' in html
    assert f'href="{BASE}/u/preferences"' in html
    assert html.count(f"{BASE}/o/") == 1


def test_the_plan_follows_the_site_address(settings):
    email = compiled("markdown", LAYOUT)
    values = values_for(random.Random(7))
    filled = email.filled(values)
    settings.BASE_URL = "https://one.example"
    first, _ = wire_plan(email, tracked=True).fill(filled, message_id=uuid.uuid4().bytes)
    settings.BASE_URL = "https://two.example"
    second, _ = wire_plan(email, tracked=True).fill(filled, message_id=uuid.uuid4().bytes)

    assert "https://one.example/c/" in first and "https://one.example/c/" not in second
    assert "https://two.example/c/" in second
