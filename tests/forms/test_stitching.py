"""Identity stitching on submit: the browser's earlier anonymous visits join the contact's timeline,
and its first visit becomes the contact's original source when that was unknown."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact, Source
from tests.factories import ContactFactory
from tests.forms.factories import FormFactory, SiteFactory, answers

ORIGIN = "https://www.example.com"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
PAGES = [
    "https://www.example.com/?utm_source=linkedin&utm_medium=paid-social&utm_campaign=spring-launch",
    "https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=june-digest",
    "https://www.example.com/contact",
]


def browse(client, site, visitor, pages):
    """The tracking snippet's requests for a few page views, one request per page as it sends them."""
    start = timezone.now() - timedelta(minutes=10)
    for index, url in enumerate(pages):
        event = {
            "type": "page.view",
            "url": url,
            "referrer": "",
            "ts": int((start + timedelta(minutes=index)).timestamp() * 1000),
        }
        body = json.dumps({"site": site.key, "visitor": str(visitor), "events": [event]})
        response = client.post(
            "/t/collect", body, content_type="text/plain", HTTP_ORIGIN=ORIGIN, HTTP_USER_AGENT=BROWSER
        )
        assert response.status_code == 204, response.content


def test_earlier_visits_of_the_browser_join_the_new_contacts_timeline(client, db):
    site = SiteFactory(allowed_domains=["www.example.com"])
    form = FormFactory(site=site)
    visitor = uuid.uuid4()
    browse(client, site, visitor, PAGES)
    assert Activity.objects.filter(kind=Kind.PAGE_VIEW, contact__isnull=True).count() == 3

    client.post(f"/f/{form.slug}/submit", answers(form, ll_visitor=str(visitor)), HTTP_ORIGIN=ORIGIN)

    contact = Contact.objects.get()
    views = Activity.objects.filter(kind=Kind.PAGE_VIEW, contact=contact).order_by("occurred_at")
    assert [view.url for view in views] == PAGES


def test_the_first_visit_is_the_new_contacts_original_source(client, db):
    site = SiteFactory(allowed_domains=["www.example.com"])
    form = FormFactory(site=site)
    visitor = uuid.uuid4()
    browse(client, site, visitor, PAGES)

    client.post(
        f"/f/{form.slug}/submit",
        answers(
            form, ll_visitor=str(visitor), utm_campaign="last-touch", utm_source="google", utm_medium="cpc"
        ),
        HTTP_ORIGIN=ORIGIN,
    )

    contact = Contact.objects.get()
    assert (contact.original_source, contact.original_source_detail) == (Source.PAID_SOCIAL, "spring-launch")


def test_without_earlier_visits_the_forms_own_utm_values_are_the_first_touch(client, db):
    form = FormFactory(site=SiteFactory(allowed_domains=["www.example.com"]))

    client.post(
        f"/f/{form.slug}/submit",
        answers(
            form, ll_visitor=str(uuid.uuid4()), utm_source="google", utm_medium="cpc", utm_campaign="brand"
        ),
        HTTP_ORIGIN=ORIGIN,
    )

    contact = Contact.objects.get()
    assert (contact.original_source, contact.original_source_detail) == (Source.PAID_SEARCH, "brand")


def test_a_known_first_touch_is_kept(client, db):
    site = SiteFactory(allowed_domains=["www.example.com"])
    ContactFactory(email="ada@example.org", original_source=Source.EVENT, original_source_detail="Expo")
    form = FormFactory(site=site)
    visitor = uuid.uuid4()
    browse(client, site, visitor, PAGES[:1])

    client.post(f"/f/{form.slug}/submit", answers(form, ll_visitor=str(visitor)), HTTP_ORIGIN=ORIGIN)

    contact = Contact.objects.get()
    assert (contact.original_source, contact.original_source_detail) == (Source.EVENT, "Expo")
    assert contact.activities.filter(kind=Kind.PAGE_VIEW).count() == 1


def test_later_visits_of_the_same_browser_arrive_attached(client, db):
    site = SiteFactory(allowed_domains=["www.example.com"])
    form = FormFactory(site=site)
    visitor = uuid.uuid4()
    client.post(f"/f/{form.slug}/submit", answers(form, ll_visitor=str(visitor)), HTTP_ORIGIN=ORIGIN)

    browse(client, site, visitor, ["https://www.example.com/thank-you"])

    assert Activity.objects.get(kind=Kind.PAGE_VIEW).contact == Contact.objects.get()


def test_other_browsers_visits_stay_anonymous(client, db):
    site = SiteFactory(allowed_domains=["www.example.com"])
    form = FormFactory(site=site)
    browse(client, site, uuid.uuid4(), PAGES[:2])

    client.post(f"/f/{form.slug}/submit", answers(form, ll_visitor=str(uuid.uuid4())), HTTP_ORIGIN=ORIGIN)

    assert Activity.objects.filter(kind=Kind.PAGE_VIEW, contact__isnull=True).count() == 2
