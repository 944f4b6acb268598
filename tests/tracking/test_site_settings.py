"""Tracked-site settings: admins and marketing add, change and delete sites; sales may only look."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from leadline.activity.models import Activity
from leadline.core.models import AuditEntry
from leadline.tracking.models import Site, Visitor
from tests.conftest import client_for
from tests.tracking.factories import SiteFactory, VisitorFactory, page_view, send

LIST = "/settings/sites/"
CREATE = "/settings/sites/new/"


def edit_url(site: Site) -> str:
    return f"/settings/sites/{site.public_id}/"


def delete_url(site: Site) -> str:
    return f"/settings/sites/{site.public_id}/delete/"


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Main website",
        "allowed_domains": "www.shop.example\n*.shop-cdn.example",
        "respect_dnt": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("persona", "manage_status"), [("alice", 200), ("maria", 200), ("sam", 403), ("oscar", 403)]
)
def test_access_by_role(persona: str, manage_status: int, personas: dict[str, Any]) -> None:
    site = SiteFactory()
    client = client_for(personas[persona])
    assert client.get(LIST).status_code == 200
    assert client.get(CREATE).status_code == manage_status
    assert client.get(edit_url(site)).status_code == manage_status
    assert client.post(CREATE, form()).status_code in ({200: 302}.get(manage_status, 403),)
    assert client.post(delete_url(site)).status_code == {200: 302}.get(manage_status, 403)


def test_sales_cannot_change_or_delete_a_site(sam: Any) -> None:
    site = SiteFactory(name="Kept")
    client = client_for(sam)
    client.post(edit_url(site), form(name="Changed"))
    client.post(delete_url(site))
    site.refresh_from_db()
    assert site.name == "Kept"


def test_sales_see_the_sites_without_management_buttons(sam: Any) -> None:
    site = SiteFactory(name="Docs site")
    body = client_for(sam).get(LIST).content.decode()
    assert "Docs site" in body
    assert site.key in body
    assert "Add a site" not in body
    assert edit_url(site) not in body


def test_anonymous_people_are_sent_to_sign_in(client: Client, db: None) -> None:
    site = SiteFactory()
    for url in (LIST, CREATE, edit_url(site)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert client.post(delete_url(site)).status_code == 302
    assert Site.objects.exists()


def test_marketing_adds_a_site_and_gets_its_snippet(maria: Any, settings: Any) -> None:
    settings.BASE_URL = "https://crm.example.org"
    client = client_for(maria)

    response = client.post(
        CREATE, form(allowed_domains="https://www.shop.example/pricing, WWW.Shop-CDN.example")
    )

    site = Site.objects.get()
    assert response.status_code == 302 and response["Location"] == edit_url(site)
    assert site.name == "Main website"
    assert site.allowed_domains == ["www.shop.example", "www.shop-cdn.example"]
    assert site.respect_dnt is True
    assert site.created_by == maria
    assert len(site.key) >= 20
    page = client.get(edit_url(site)).content.decode()
    snippet = f"&lt;script async src=&quot;https://crm.example.org/t.js&quot; data-site=&quot;{site.key}&quot;&gt;&lt;/script&gt;"
    assert snippet in page
    assert 'data-copy="snippet-' in page
    assert AuditEntry.objects.filter(action="site.created").exists()


def test_every_site_gets_its_own_unguessable_key(alice: Any) -> None:
    client = client_for(alice)
    client.post(CREATE, form(name="One"))
    client.post(CREATE, form(name="Two"))
    first, second = Site.objects.values_list("key", flat=True)
    assert first != second


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"allowed_domains": ""}, "This field is required"),
        ({"allowed_domains": "not a domain!"}, "is not a host name"),
        ({"allowed_domains": "exa_mple.com"}, "is not a host name"),
        ({"allowed_domains": "localhost:99999"}, "is not a host name"),
        (
            {"allowed_domains": "\n".join(f"site{number}.example" for number in range(51))},
            "At most 50 domains",
        ),
    ],
)
def test_invalid_settings_are_explained_beside_the_field(
    alice: Any, data: dict[str, str], message: str
) -> None:
    response = client_for(alice).post(CREATE, form(**data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Site.objects.exists()


def test_editing_a_site_takes_effect_for_the_collector_at_once(alice: Any) -> None:
    site = SiteFactory(allowed_domains=["www.shop.example"], respect_dnt=True)
    assert send(site, [page_view()], origin="https://new.shop.example").status_code == 403

    response = client_for(alice).post(
        edit_url(site), form(allowed_domains="new.shop.example", respect_dnt="")
    )

    assert response.status_code == 302
    site.refresh_from_db()
    assert site.allowed_domains == ["new.shop.example"]
    assert site.respect_dnt is False
    assert send(site, [page_view()], origin="https://new.shop.example").status_code == 204
    assert send(site, [page_view()], origin="https://www.shop.example").status_code == 403


def test_deleting_a_site_asks_first_then_removes_it_and_its_visitors_but_keeps_the_history(
    alice: Any,
) -> None:
    site = SiteFactory(name="Old site")
    send(site, [page_view()])
    VisitorFactory(site=site)
    client = client_for(alice)

    page = client.get(LIST).content.decode()
    assert f'action="{delete_url(site)}"' in page
    assert "<dialog" in page and "Delete “Old site”?" in page

    response = client.post(delete_url(site))

    assert response.status_code == 302
    assert not Site.objects.exists()
    assert not Visitor.objects.exists()
    assert Activity.objects.count() == 1
    assert send(site, [page_view()]).status_code == 404
    assert AuditEntry.objects.filter(action="site.deleted").exists()


def test_deleting_needs_a_post(alice: Any) -> None:
    site = SiteFactory()
    assert client_for(alice).get(delete_url(site)).status_code == 405
    assert Site.objects.exists()


def test_an_unknown_site_is_a_404(alice: Any) -> None:
    client = client_for(alice)
    assert client.get("/settings/sites/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_the_empty_list_invites_to_add_a_site(maria: Any) -> None:
    body = client_for(maria).get(LIST).content.decode()
    assert "No tracked sites yet" in body
    assert CREATE in body


def test_hostile_names_and_domains_are_shown_escaped(alice: Any) -> None:
    SiteFactory(name="<script>alert(1)</script>", allowed_domains=["<img src=x onerror=alert(1)>"])
    body = client_for(alice).get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body
