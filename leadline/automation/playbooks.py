"""Ready-made workflows, installed with one click as drafts to read, adjust and turn on.

Each playbook brings its emails: they are created as ordinary email templates (through the mail
room's `template_create`, so they compile like any other) and can be edited there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from leadline.automation.models import Workflow

FOOTER = "\n\n---\n\n{{ postal_address }} · [Unsubscribe]({{ unsubscribe_url }})\n"


@dataclass(frozen=True)
class Email:
    key: str
    name: str
    subject: str
    body: str
    kind: str = "marketing"
    # Emails whose body gets a generated part (a testimonial link, product offers) carry their own
    # footer instead of the layout, because the generated body is sent without a layout.
    own_footer: bool = False


@dataclass(frozen=True)
class Playbook:
    key: str
    name: str
    summary: str
    settings: dict[str, Any]
    emails: list[Email]
    steps: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def _email(key: str, extra: str = "") -> dict[str, Any]:
    return {"type": "send_email", "config": {"template": f"@{key}", "extra": extra}}


def _wait(amount: int, unit: str = "days") -> dict[str, Any]:
    return {"type": "wait", "config": {"mode": "duration", "amount": amount, "unit": unit}}


PLAYBOOKS: list[Playbook] = [
    Playbook(
        key="enquiry_reply",
        name="Enquiry: instant reply and follow-up",
        summary="Answers every enquiry within a minute with a link to book a call, and follows up two "
        "days later if no meeting was booked.",
        settings={
            "trigger_type": "form_submitted",
            "trigger_config": {},
            "reenrolment": "again",
            "reenrol_after_days": 30,
        },
        emails=[
            Email(
                "enquiry_thanks",
                "Enquiry: thanks, here is how to talk to us",
                'Thanks for getting in touch, {{ first_name | default:"there" }}',
                'Hi {{ first_name | default:"there" }},\n\nThank you for your message. We read every enquiry, '
                "and a real person will get back to you shortly.\n\nIf it is easier to talk it through, "
                "[pick a time that suits you]({{ booking_link }}) for a free 20-minute call.\n\n"
                "Best regards,\n{{ owner_name | default:'The team' }}",
                kind="transactional",
            ),
            Email(
                "enquiry_follow_up",
                "Enquiry: a friendly follow-up",
                "Shall we find 20 minutes?",
                'Hi {{ first_name | default:"there" }},\n\nJust checking that our reply reached you. If you '
                "still have questions, the quickest way is a short call: "
                "[choose a time here]({{ booking_link }}).\n\nIf now is not the right moment, no problem — "
                "simply reply whenever suits you.\n\n{{ sender_name }}",
                kind="transactional",
            ),
        ],
        steps=[
            _email("enquiry_thanks"),
            {
                "type": "wait",
                "config": {
                    "mode": "condition",
                    "check": "meeting_booked_since_enrolment",
                    "timeout_hours": 48,
                },
            },
            {
                "type": "branch",
                "config": {"check": "meeting_booked_since_enrolment"},
                "branches": {"yes": [], "no": [_email("enquiry_follow_up")]},
            },
        ],
    ),
    Playbook(
        key="welcome_nurture",
        name="Welcome and nurture",
        summary="Welcomes new subscribers and sends a useful email every few days; stops as soon as "
        "they become a marketing qualified lead.",
        settings={
            "trigger_type": "stage_changed",
            "trigger_config": {"stage": "subscriber"},
            "goal": {
                "field": "lifecycle_stage",
                "op": "in",
                "value": ["mql", "sql", "opportunity", "customer", "evangelist"],
            },
        },
        emails=[
            Email(
                "welcome",
                "Nurture 1: welcome",
                'Welcome, {{ first_name | default:"and thanks for subscribing" }}',
                'Hi {{ first_name | default:"there" }},\n\nThanks for subscribing. Over the next two weeks we '
                "will send you three short emails with the ideas our customers find most useful — no fluff, "
                "and you can unsubscribe at any time.\n\nTo start: what is the one thing you would most like "
                "to improve this quarter? Hit reply and tell us; we read everything.",
            ),
            Email(
                "nurture_tips",
                "Nurture 2: three quick wins",
                "Three quick wins you can try this week",
                'Hi {{ first_name | default:"there" }},\n\n1. **Answer enquiries within the hour.** People '
                "buy from whoever replies first.\n2. **Follow up three times.** Most deals need more than one "
                "nudge.\n3. **Ask one clear question** at the end of every email.\n\nWant help putting these "
                "into practice? [Book a call]({{ booking_link }}).",
            ),
            Email(
                "nurture_story",
                "Nurture 3: a customer story",
                "How one small team doubled its replies",
                'Hi {{ first_name | default:"there" }},\n\nA team of four was losing leads between their '
                "website form and their inbox. By answering every enquiry automatically and handing warm "
                "leads to sales the same day, they doubled the replies they got within a month.\n\nIf that "
                "sounds familiar, [let's talk]({{ booking_link }}).",
            ),
        ],
        steps=[_email("welcome"), _wait(3), _email("nurture_tips"), _wait(4), _email("nurture_story")],
    ),
    Playbook(
        key="mql_handoff",
        name="MQL alert and hand-off",
        summary="When a lead becomes marketing qualified: assigns an owner (round robin among sales, "
        "the hand-off routing rules apply to new MQLs too), alerts them and creates a call task.",
        settings={
            "trigger_type": "stage_changed",
            "trigger_config": {"stage": "mql"},
            "reenrolment": "again",
            "reenrol_after_days": 90,
        },
        emails=[],
        steps=[
            {
                "type": "branch",
                "config": {"condition": {"field": "owner", "op": "is_empty"}},
                "branches": {"yes": [{"type": "assign_owner", "config": {"owner": "round_robin"}}], "no": []},
            },
            {
                "type": "notify",
                "config": {
                    "to": "owner",
                    "title": "New marketing qualified lead",
                    "body": "Please call within one working day.",
                },
            },
            {
                "type": "create_task",
                "config": {
                    "title": "Call the new MQL",
                    "kind": "call",
                    "due_in_days": 1,
                    "assign_to": "owner",
                },
            },
        ],
    ),
    Playbook(
        key="post_sale",
        name="Post-sale: thank-you, onboarding, testimonial, upsell, renewal",
        summary="After a won deal: a thank-you at once, onboarding tips over two weeks, a testimonial "
        "request after 21 days, an offer built from what similar customers bought next, and a renewal "
        "reminder for recurring products.",
        settings={
            "trigger_type": "deal_won",
            "trigger_config": {},
            "reenrolment": "again",
            "reenrol_after_days": 30,
            "exit_on_customer": False,
        },
        emails=[
            Email(
                "thank_you",
                "Post-sale: thank you",
                'Thank you, {{ first_name | default:"and welcome" }}!',
                'Hi {{ first_name | default:"there" }},\n\nThank you for choosing us. We are glad to have you '
                "on board.\n\nOver the next two weeks we will send a few short tips to help you get the most "
                "out of it. If anything is unclear, just reply — a real person reads every message.\n\n"
                "{{ owner_name | default:'The team' }}",
                kind="transactional",
            ),
            Email(
                "onboarding_1",
                "Post-sale: onboarding tip 1",
                "Getting started: the first thing to set up",
                'Hi {{ first_name | default:"there" }},\n\nThe customers who get value fastest do one thing '
                "first: they set up the basics with the whole team in one short session. Put 30 minutes in "
                "the calendar this week, and [book time with us]({{ booking_link }}) if you would like a hand.",
            ),
            Email(
                "onboarding_2",
                "Post-sale: onboarding tip 2",
                "A small habit that pays off",
                'Hi {{ first_name | default:"there" }},\n\nA tip from our most successful customers: review '
                "your results for ten minutes every Friday. Small corrections each week beat one big clean-up "
                "each quarter.",
            ),
            Email(
                "testimonial_request",
                "Post-sale: testimonial request",
                "Would you share a few words about working with us?",
                'Hi {{ first_name | default:"there" }},\n\nIt has been a few weeks since you started. If you '
                "are happy with how it is going, would you write two or three sentences about your "
                "experience? It helps other teams decide, and it means a lot to ours.",
                own_footer=True,
            ),
            Email(
                "upsell",
                "Post-sale: you may also like",
                "Picked for you, based on what you use",
                'Hi {{ first_name | default:"there" }},\n\nCustomers who bought what you did often add one of '
                "these next:",
                own_footer=True,
            ),
            Email(
                "renewal",
                "Post-sale: renewal reminder",
                "Your subscription renews soon",
                'Hi {{ first_name | default:"there" }},\n\nA friendly reminder that your subscription renews '
                "in about a month. Nothing to do if you are happy — it renews on its own. If you would like "
                "to change your plan, [book a quick call]({{ booking_link }}) or reply to this email.",
                kind="transactional",
            ),
        ],
        steps=[
            _email("thank_you"),
            _wait(3),
            _email("onboarding_1"),
            _wait(7),
            _email("onboarding_2"),
            _wait(11),
            _email("testimonial_request", "testimonial"),
            _wait(9),
            _email("upsell", "upsell"),
            {
                "type": "branch",
                "config": {"check": "has_recurring_product"},
                "branches": {"yes": [_wait(300), _email("renewal")], "no": []},
            },
        ],
        notes=[
            "The testimonial request adds the contact's link to the testimonial page when the "
            "testimonials app provides one; otherwise it asks for a reply.",
        ],
    ),
    Playbook(
        key="win_back",
        name="Win-back: customers with no order in 120 days",
        summary="Reaches out to customers whose last order was 120 days ago, and tells their owner if "
        "they do not come back within two weeks.",
        settings={
            "trigger_type": "date_reached",
            "trigger_config": {"mode": "since_last_order", "days": 120},
            "reenrolment": "again",
            "reenrol_after_days": 120,
        },
        emails=[
            Email(
                "win_back",
                "Win-back: we miss you",
                "It has been a while, {{ first_name | default:'friend' }}",
                'Hi {{ first_name | default:"there" }},\n\nWe noticed it has been a few months since your last '
                "order, and wanted to check in. Has anything changed on your side? If something did not work "
                "as it should, we would genuinely like to hear it.\n\nIf you are ready for more, "
                "[book a short call]({{ booking_link }}) and we will make sure you get a good deal.",
            ),
        ],
        steps=[
            _email("win_back"),
            {
                "type": "wait",
                "config": {"mode": "condition", "check": "order_since_enrolment", "timeout_hours": 336},
            },
            {
                "type": "branch",
                "config": {"check": "order_since_enrolment"},
                "branches": {
                    "yes": [],
                    "no": [
                        {
                            "type": "notify",
                            "config": {
                                "to": "owner",
                                "title": "Customer has not come back",
                                "body": "No order two weeks after the win-back email.",
                            },
                        }
                    ],
                },
            },
        ],
    ),
]

PLAYBOOKS_BY_KEY = {playbook.key: playbook for playbook in PLAYBOOKS}


def _resolve(steps: list[dict[str, Any]], templates: dict[str, str]) -> list[dict[str, Any]]:
    resolved = []
    for step in steps:
        step = {**step, "config": dict(step.get("config") or {})}
        template = step["config"].get("template")
        if isinstance(template, str) and template.startswith("@"):
            step["config"]["template"] = templates[template[1:]]
        if "branches" in step:
            step["branches"] = {name: _resolve(items, templates) for name, items in step["branches"].items()}
        resolved.append(step)
    return resolved


def playbook_install(*, key: str, actor: Any) -> Workflow:
    """Create the playbook's emails and its workflow (a draft), ready to edit and turn on."""
    from django.core.exceptions import ValidationError

    from leadline.automation.services import workflow_create
    from leadline.mail.models import Template
    from leadline.mail.selectors import default_layout
    from leadline.mail.services import TemplateData, template_create

    playbook = PLAYBOOKS_BY_KEY.get(key)
    if playbook is None:
        raise ValidationError({"playbook": "No playbook has this name."})
    layout = default_layout()
    templates: dict[str, str] = {}
    with transaction.atomic():
        for email in playbook.emails:
            existing = Template.objects.filter(name=email.name).first()
            if existing is None:
                marketing = email.kind == "marketing"
                existing = template_create(
                    actor=actor,
                    data=TemplateData(
                        name=email.name,
                        kind=email.kind,
                        format="markdown",
                        subject=email.subject,
                        preheader="",
                        body=email.body
                        + (FOOTER if marketing and (email.own_footer or layout is None) else ""),
                        layout=layout if marketing and not email.own_footer else None,
                    ),
                )
            templates[email.key] = str(existing.public_id)
        name = playbook.name
        if Workflow.objects.filter(name=name).exists():
            name = f"{name} ({Workflow.objects.filter(name__startswith=name).count() + 1})"
        return workflow_create(
            actor=actor,
            data={"name": name, "description": playbook.summary[:500], **playbook.settings},
            steps=_resolve(playbook.steps, templates),
            playbook=playbook.key,
        )
