"""Do-Not-Track and Global Privacy Control are honoured when the site says so."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity
from leadline.tracking.models import Visitor
from tests.tracking.factories import SiteFactory, page_view, send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("header", [{"HTTP_DNT": "1"}, {"HTTP_SEC_GPC": "1"}])
def test_a_site_that_respects_the_choice_stores_nothing(header: dict[str, str]) -> None:
    response = send(SiteFactory(respect_dnt=True), [page_view()], **header)

    assert response.status_code == 204
    assert not Activity.objects.exists()
    assert not Visitor.objects.exists()


def test_a_site_that_does_not_respect_it_records_the_visit() -> None:
    response = send(SiteFactory(respect_dnt=False), [page_view()], HTTP_DNT="1", HTTP_SEC_GPC="1")

    assert response.status_code == 204
    assert Activity.objects.count() == 1


def test_dnt_0_is_not_a_refusal() -> None:
    send(SiteFactory(respect_dnt=True), [page_view()], HTTP_DNT="0")
    assert Activity.objects.count() == 1
