"""LEADLINE_SEND_RATE paces each sending domain on its own (measured with a fake clock, no sleeping)."""

from __future__ import annotations

import pytest

from leadline.mail.sending import Pacer, outbox_send_due
from tests.factories import ContactFactory
from tests.mail.sending.factories import queue_campaign


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_it_spaces_messages_of_one_domain_at_the_rate():
    clock = FakeClock()
    pacer = Pacer(4, clock=clock, sleep=clock.sleep)

    for _message in range(5):
        pacer.wait("northwind.example")

    assert clock.slept == pytest.approx([0.25, 0.25, 0.25, 0.25])


def test_domains_do_not_wait_for_each_other():
    clock = FakeClock()
    pacer = Pacer(1, clock=clock, sleep=clock.sleep)

    pacer.wait("northwind.example")
    pacer.wait("southwind.example")

    assert clock.slept == []


def test_time_already_spent_counts_towards_the_next_slot():
    clock = FakeClock()
    pacer = Pacer(2, clock=clock, sleep=clock.sleep)

    pacer.wait("northwind.example")
    clock.now += 0.4  # sending the first message took that long
    pacer.wait("northwind.example")

    assert clock.slept == pytest.approx([0.1])


def test_zero_means_no_limit():
    clock = FakeClock()
    pacer = Pacer(0, clock=clock, sleep=clock.sleep)

    for _message in range(100):
        pacer.wait("northwind.example")

    assert clock.slept == []


@pytest.mark.django_db
def test_a_rate_limited_run_paces_the_messages_and_claims_small_batches(smtp, sender, settings):
    settings.LEADLINE_SEND_RATE = 1
    clock = FakeClock()
    queue_campaign(ContactFactory.create_batch(12), sender=sender)

    report = outbox_send_due(pacer=Pacer(1, clock=clock, sleep=clock.sleep))

    assert report.sent == 12
    assert report.batches == 2  # about ten seconds of sending per claim
    assert clock.slept == pytest.approx([1.0] * 11)
