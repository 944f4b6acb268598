"""Demo workflows: the enquiry reply and the post-sale playbook turned on, the others ready as drafts,
and a few demo contacts already part-way through the post-sale flow. Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from leadline.automation.models import Enrolment, Workflow
from leadline.automation.playbooks import playbook_install
from leadline.automation.services import enrolment_create, workflow_set_status
from leadline.contacts.models import Contact, LifecycleStage

ACTIVE = ("enquiry_reply", "post_sale")
DRAFTS = ("welcome_nurture", "mql_handoff", "win_back")


def seed_automation_demo(echo: Callable[[str], object] = print) -> None:
    from leadline.accounts.models import User
    from leadline.core.demo import DEMO_ADMIN_EMAIL

    if Workflow.objects.filter(playbook__in=ACTIVE + DRAFTS).exists():
        return
    admin = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
    with transaction.atomic():
        installed = {key: playbook_install(key=key, actor=admin) for key in ACTIVE + DRAFTS}
        for key in ACTIVE:
            workflow_set_status(workflow=installed[key], actor=admin, status=Workflow.Status.ACTIVE)
        post_sale = installed["post_sale"]
        customers = Contact.objects.filter(lifecycle_stage=LifecycleStage.CUSTOMER).exclude(email=None)[:5]
        now = timezone.now()
        for offset, contact in enumerate(customers):
            # Enrolled some days ago and waiting on the first onboarding tip: the editor shows counts.
            enrolment_create(
                workflow=post_sale, contact=contact, trigger="deal_won", now=now - timedelta(days=offset + 1)
            )
        enrolled = Enrolment.objects.filter(workflow=post_sale).count()
    echo(
        f"  Workflows: {len(ACTIVE)} playbooks turned on, {len(DRAFTS)} as drafts; {enrolled} customers in post-sale"
    )
