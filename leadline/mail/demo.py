"""Demo data for the email screens: the default sender and three templates worth copying — a welcome
email, a monthly newsletter designed in MJML, and a follow-up after a first call, in Markdown.

`seed_mail_demo` is idempotent: the sender is created once, and each template only if no template of
that name exists yet. Everything goes through the same services as the screens, by the demo admin.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from leadline.accounts.models import User
from leadline.core.demo import DEMO_ADMIN_EMAIL
from leadline.mail.models import SenderIdentity, Template
from leadline.mail.selectors import default_layout
from leadline.mail.services import TemplateData, sender_identity_save, template_create

SENDER = {
    "from_name": "Northwind Studio",
    "from_email": "hello@northwind.example",
    "reply_to": "team@northwind.example",
    "postal_address": "Northwind Studio Ltd\n12 Harbour Street\nBristol BS1 4QA\nUnited Kingdom",
    "is_default": True,
}

WELCOME_BODY = """\
# Welcome aboard, {{ first_name | default:"friend" }}

Thanks for signing up. We are glad you are here.

Over the next few weeks we will send you one short email a week: practical ideas you can use the same day, and nothing you did not ask for. If it ever stops being useful, the unsubscribe link is at the bottom of every email.

**Three things people find most useful to start with:**

1. **Our getting-started guide.** Ten minutes, and you will know where everything is.
2. **The checklist for your first month.** Print it, tick things off, feel good.
3. **A free 30-minute call.** Tell us what you are trying to do and we will point you in the right direction. [Pick a time that suits you]({{ booking_link }}).

Just reply to this email if you have a question. A real person reads every reply.

Talk soon,
The Northwind team
"""

NEWSLETTER_BODY = """\
<mjml>
  <mj-head>
    <mj-attributes>
      <mj-all font-family="-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif" />
      <mj-text font-size="16px" line-height="1.6" color="#1b2033" />
    </mj-attributes>
  </mj-head>
  <mj-body background-color="#f4f5f7" width="600px">
    <mj-section padding="24px 0 8px">
      <mj-column>
        <mj-text font-size="14px" font-weight="700" color="#4f46e5">NORTHWIND MONTHLY</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" border-radius="8px 8px 0 0" padding="32px 24px 8px">
      <mj-column>
        <mj-text font-size="24px" font-weight="700" line-height="1.3">Hi {{ first_name | default:"there" }}, here is what we learned this month</mj-text>
        <mj-text>Every month we pick the three ideas our customers found most useful and share them
          with everyone. This month is all about following up: the step most teams skip.</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="8px 24px">
      <mj-column>
        <mj-text font-size="18px" font-weight="700">1. Answer within the hour</mj-text>
        <mj-text>People who get a reply within an hour are far more likely to book a call. An instant
          automatic reply with a booking link buys you that hour.</mj-text>
        <mj-text font-size="18px" font-weight="700">2. Follow up three times</mj-text>
        <mj-text>Most replies come after the second or third email. Space them a few days apart and
          make each one useful on its own.</mj-text>
        <mj-text font-size="18px" font-weight="700">3. Always end with one clear next step</mj-text>
        <mj-text>One link, one question, one thing to do. Two choices get fewer clicks than one.</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" border-radius="0 0 8px 8px" padding="8px 24px 32px">
      <mj-column>
        <mj-button href="{{ booking_link }}" background-color="#4f46e5" border-radius="6px" font-size="16px" font-weight="600" inner-padding="12px 24px">Talk it through with us</mj-button>
        <mj-text font-size="14px" color="#5d6481" align="center">A free 30-minute call, no strings attached.</mj-text>
      </mj-column>
    </mj-section>
    <mj-section padding="16px 24px 32px">
      <mj-column>
        <mj-text font-size="12px" line-height="1.5" color="#8a90a8" align="center">
          You are getting this because you subscribed to Northwind Monthly.<br />
          {{ sender_name }} · {{ postal_address }}<br />
          <a href="{{ unsubscribe_url }}" style="color:#5d6481;">Unsubscribe</a>
        </mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""

FOLLOW_UP_BODY = """\
Hi {{ first_name | default:"there" }},

Thank you for taking the time to talk today. Here is a short summary so nothing gets lost.

**What we heard**

- Leads reach {{ company | default:"your team" }} from several places, and some fall through the gaps.
- Nobody can say which campaigns bring in the customers who actually buy.

**What we suggested**

1. Put every enquiry in one place, with an instant reply.
2. Hand warm leads to sales automatically, with a clear owner.
3. Look at revenue by source after the first month.

**Next step:** I will send over a short proposal by the end of the week. If anything changes before then, or you would like to bring a colleague into the conversation, just reply to this email or [book another time]({{ booking_link }}).

Best regards,
{{ owner_name | default:"The Northwind team" }}
"""


def _templates() -> list[TemplateData]:
    layout = default_layout()
    return [
        TemplateData(
            name="Welcome email",
            kind=Template.Kind.MARKETING,
            format=Template.Format.MARKDOWN,
            subject='Welcome aboard, {{ first_name | default:"friend" }}',
            preheader="Three things to try first, and how to reach a real person.",
            body=WELCOME_BODY,
            layout=layout,
        ),
        TemplateData(
            name="Monthly newsletter",
            kind=Template.Kind.MARKETING,
            format=Template.Format.MJML,
            subject="Three ways to follow up that actually work",
            preheader="This month: answering fast, following up three times, and one clear next step.",
            body=NEWSLETTER_BODY,
            layout=None,
        ),
        TemplateData(
            name="Follow-up after a first call",
            kind=Template.Kind.TRANSACTIONAL,
            format=Template.Format.MARKDOWN,
            subject='Thanks for the call, {{ first_name | default:"there" }}: a quick summary',
            preheader="What we heard, what we suggested, and what happens next.",
            body=FOLLOW_UP_BODY,
            layout=None,
        ),
    ]


def seed_mail_demo(echo: Callable[[str], object] = print) -> None:
    admin = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
    with transaction.atomic():
        if not SenderIdentity.objects.exists():
            sender_identity_save(actor=admin, data=SENDER)
            echo(f"  Email sender: {SENDER['from_name']} <{SENDER['from_email']}>")
        created = 0
        for data in _templates():
            if Template.objects.filter(name=data.name).exists():
                continue
            template_create(actor=admin, data=data)
            created += 1
        if created:
            echo(f"  Email templates: {created} added (welcome, newsletter, follow-up)")
