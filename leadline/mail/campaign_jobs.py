"""Periodic work of campaigns (registered with @periodic when imported by mail.tasks): start the
scheduled ones, decide A/B tests, mark finished campaigns sent, and pause campaigns drawing too
many spam complaints. Each pass is safe to run twice or late."""

from __future__ import annotations

from datetime import timedelta

from leadline.core.scheduler import periodic
from leadline.mail import campaigns


@periodic(every=timedelta(seconds=30))
def start_due_campaigns() -> int:
    return campaigns.campaigns_start_due()


@periodic(every=timedelta(minutes=1))
def decide_ab_tests() -> int:
    return campaigns.campaigns_decide_due_tests()


@periodic(every=timedelta(seconds=30))
def finish_sent_campaigns() -> int:
    return campaigns.campaigns_finish_done()


@periodic(every=timedelta(minutes=1))
def guard_complaint_rates() -> int:
    return campaigns.campaigns_guard_complaints()
