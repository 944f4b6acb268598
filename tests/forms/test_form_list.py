"""The list of forms: each with its address, website and submission count, at a constant cost."""

from __future__ import annotations

from leadline.forms.services import form_submit
from tests.conftest import client_for
from tests.forms.factories import FormFactory, SiteFactory, answers


def test_it_lists_forms_with_their_submission_counts(maria):
    busy = FormFactory(name="Contact us", site=SiteFactory(name="Main website"))
    FormFactory(name="Newsletter")
    form_submit(form=busy, data=answers(busy))
    form_submit(form=busy, data=answers(busy, email="grace@example.org"), ip_address="198.51.100.2")

    body = client_for(maria).get("/forms/").content.decode()

    assert "Contact us" in body and "Newsletter" in body and "Main website" in body
    assert f"/f/{busy.slug}" in body
    assert '<td class="num">2</td>' in body and '<td class="num">0</td>' in body


def test_it_costs_the_same_however_many_forms_there_are(maria, django_assert_max_num_queries):
    FormFactory()
    client = client_for(maria)
    client.get("/forms/")

    with django_assert_max_num_queries(10) as few:
        client.get("/forms/")
    for _ in range(30):
        FormFactory(site=SiteFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/forms/")


def test_with_no_forms_it_invites_marketing_to_create_one(maria, sam):
    assert "New form" in client_for(maria).get("/forms/").content.decode()
    body = client_for(sam).get("/forms/").content.decode()
    assert "No forms yet" in body and 'href="/forms/new/"' not in body
