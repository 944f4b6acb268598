"""Every route × every role × someone else's object.

The world below gives oscar (sales, in no team) a contact, a company, a note and a token. sam
(sales, team North) must not reach oscar's things; maria (marketing) and alice (admin) may, within
what their roles allow. Every named URL pattern of the project must have an entry here: a new route
without one fails `test_it_has_an_entry_for_every_route`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from leadline.accounts.models import Invitation, Role
from leadline.accounts.services import api_token_create
from leadline.contacts.models import ImportJob
from leadline.core.models import OutboxEmail
from leadline.forms.models import Form, FormField
from leadline.sales.models import Handoff, RejectionReason, RoutingRule
from leadline.scoring.models import ScoringRule
from leadline.segments.models import Segment
from leadline.tracking.models import Site
from tests.access_areas import (
    LOGIN,
    OK,
    PERSONAS,
    PUBLIC,
    Entry,
    admin_only,
    area_modules,
    everyone,
    importers,
    oscars,
    public,
)
from tests.api.routes import ROUTES as API_ROUTES
from tests.api.routes import fill
from tests.conftest import client_for
from tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    CustomPropertyFactory,
    TeamFactory,
)

UI_ROUTES: dict[str, Entry] = {
    # core
    "core:home": everyone("/"),
    "core:healthz": public("/healthz"),
    "core:favicon": public("/favicon.ico"),
    "core:outbox": admin_only("/settings/outbox/"),
    "core:outbox_message": admin_only("/settings/outbox/{outbox}/"),
    "core:audit_log": admin_only("/settings/audit/"),
    # accounts
    "accounts:settings": everyone("/settings/"),
    "accounts:profile": everyone("/settings/profile/"),
    "accounts:people": admin_only("/settings/people/"),
    "accounts:invite": admin_only("/settings/people/invite/"),
    "accounts:person_edit": admin_only("/settings/people/{person}/"),
    "accounts:person_deactivate": admin_only("/settings/people/{person}/deactivate/", "POST"),
    "accounts:person_reactivate": admin_only("/settings/people/{person}/reactivate/", "POST"),
    "accounts:invitation_resend": admin_only("/settings/invitations/{invitation}/resend/", "POST"),
    "accounts:invitation_revoke": admin_only("/settings/invitations/{invitation}/revoke/", "POST"),
    "accounts:invitation_accept": public("/invite/{invitation_token}/"),
    "accounts:team_list": admin_only("/settings/teams/"),
    "accounts:team_create": admin_only("/settings/teams/new/"),
    "accounts:team_detail": admin_only("/settings/teams/{team}/"),
    "accounts:team_member_add": admin_only("/settings/teams/{team}/members/", "POST"),
    "accounts:team_member_remove": admin_only("/settings/teams/{team}/members/{person}/remove/", "POST"),
    "accounts:team_delete": admin_only("/settings/teams/{team}/delete/"),
    "accounts:token_list": everyone("/settings/tokens/"),
    # oscar's token: admins may revoke it, oscar himself may, other people see nothing.
    "accounts:token_revoke": Entry(
        "/settings/tokens/{token}/revoke/", expect={"alice": OK, "oscar": OK}, default=404
    ),
    # custom properties: everyone reads, admin and marketing define
    "contacts_settings:list": everyone("/settings/properties/"),
    "contacts_settings:create": importers("/settings/properties/new/"),
    "contacts_settings:edit": importers("/settings/properties/{property}/edit/"),
    "contacts_settings:delete": importers("/settings/properties/{property}/delete/", "POST"),
    # contact import and export
    "contacts_io:import_start": importers("/contacts/import/"),
    "contacts_io:import_detail": importers("/contacts/import/{import_job}/"),
    "contacts_io:import_mapping": importers("/contacts/import/{import_job}/mapping/"),
    "contacts_io:import_status": importers("/contacts/import/{import_job}/status/"),
    "contacts_io:import_run": importers("/contacts/import/{import_job}/run/", "POST"),
    "contacts_io:import_discard": importers("/contacts/import/{import_job}/discard/", "POST"),
    "contacts_io:import_errors": importers("/contacts/import/{import_job}/problems.csv"),
    "contacts_io:export": everyone("/contacts/export/"),
    # contacts and companies
    "contacts:list": everyone("/contacts/"),
    "contacts:create": everyone("/contacts/new/"),
    "contacts:bulk": everyone("/contacts/bulk/", "POST"),
    "contacts:detail": oscars("/contacts/{contact}/"),
    "contacts:edit": oscars("/contacts/{contact}/edit/"),
    "contacts:delete": oscars("/contacts/{contact}/delete/", "POST"),
    "contacts:merge": oscars("/contacts/{contact}/merge/"),
    "contacts:merge_search": oscars("/contacts/{contact}/merge/search/?q=a"),
    "contacts:company_list": everyone("/contacts/companies/"),
    "contacts:company_create": everyone("/contacts/companies/new/"),
    "contacts:company_detail": everyone("/contacts/companies/{company}/"),
    # companies are shared reference data; sales edit only their own or unowned ones
    # (the screens answer 404 like for a missing company; the API says 403, see API_EXPECT)
    "contacts:company_edit": oscars("/contacts/companies/{company}/edit/"),
    "contacts:company_delete": oscars("/contacts/companies/{company}/delete/", "POST"),
    # the timeline and notes
    "activity:timeline": oscars("/contacts/{contact}/timeline/"),
    "activity:company_timeline": everyone("/contacts/companies/{company}/timeline/"),
    "activity:note_add": oscars("/contacts/{contact}/notes/", "POST", data={"body": "Called"}),
    "activity:note_detail": oscars("/notes/{note}/"),
    # oscar wrote the note: he and admins may change it; maria may read it but not change it
    "activity:note_edit": Entry(
        "/notes/{note}/edit/", expect={"alice": OK, "oscar": OK, "maria": 404}, default=404
    ),
    "activity:note_delete": Entry(
        "/notes/{note}/delete/", "POST", expect={"alice": OK, "oscar": OK, "maria": 404}, default=404
    ),
    # allauth: the sign-in pages are public; the account pages need a session
    "account_login": public("/accounts/login/"),
    "account_logout": Entry("/accounts/logout/", anonymous=PUBLIC),
    "account_inactive": public("/accounts/inactive/"),
    "account_signup": public("/accounts/signup/"),
    "account_reauthenticate": everyone("/accounts/reauthenticate/"),
    "account_email": everyone("/accounts/email/"),
    "account_email_verification_sent": public("/accounts/confirm-email/"),
    "account_change_password": everyone("/accounts/password/change/"),
    "account_set_password": everyone("/accounts/password/set/"),
    "account_reset_password": public("/accounts/password/reset/"),
    # stages of a sign-in in progress: without one, anonymous visitors go back to the login page
    "account_confirm_login_code": everyone("/accounts/login/code/confirm/"),
    "account_confirm_email": public("/accounts/confirm-email/not-a-key/"),
    "account_reset_password_from_key_done": public("/accounts/password/reset/key/done/"),
    "account_reset_password_from_key": public("/accounts/password/reset/key/1-not-a-key/"),
    "account_reset_password_done": public("/accounts/password/reset/done/"),
    "mfa_index": everyone("/accounts/2fa/"),
    "mfa_authenticate": everyone("/accounts/2fa/authenticate/"),
    "mfa_reauthenticate": everyone("/accounts/2fa/reauthenticate/"),
    "mfa_activate_totp": everyone("/accounts/2fa/totp/activate/"),
    # nobody in this world has two-factor on, so the pages that manage it answer 404
    "mfa_deactivate_totp": Entry("/accounts/2fa/totp/deactivate/", default=404),
    "mfa_view_recovery_codes": Entry("/accounts/2fa/recovery-codes/", default=404),
    "mfa_generate_recovery_codes": everyone("/accounts/2fa/recovery-codes/generate/"),
    "mfa_download_recovery_codes": Entry("/accounts/2fa/recovery-codes/download/", default=404),
    # forms: everyone reads, admins and marketing build; the hosted page, embed and confirmation are
    # public, and the embed's endpoint answers no one whose page is not on the form's site
    "forms:list": everyone("/forms/"),
    "forms:create": importers("/forms/new/"),
    "forms:detail": everyone("/forms/{form}/"),
    "forms:edit": importers("/forms/{form}/settings/"),
    "forms:delete": importers("/forms/{form}/delete/", "POST"),
    "forms:preview": everyone("/forms/{form}/preview/"),
    "forms:submissions": everyone("/forms/{form}/submissions/"),
    "forms:field_add": importers("/forms/{form}/fields/", "POST"),
    "forms:field_edit": importers("/forms/{form}/fields/{form_field}/"),
    "forms:field_move": importers("/forms/{form}/fields/{form_field}/move/", "POST"),
    "forms:field_remove": importers("/forms/{form}/fields/{form_field}/delete/", "POST"),
    "forms_public:hosted": public("/f/{form_slug}"),
    "forms_public:embed_js": public("/f/{form_slug}/embed.js"),
    "forms_public:embed_submit": Entry("/f/{form_slug}/submit", "POST", default=403, anonymous=403),
    "forms_public:confirm": public("/f/confirm/not-a-token"),
    # website tracking: the snippet and collector are public; everyone sees the traffic, admins and
    # marketing manage the tracked sites
    "tracking:snippet": public("/t.js"),
    "tracking:collect": public("/t/collect", "POST"),
    "tracking:noop": public("/t/noop", "POST"),
    "tracking:website": everyone("/website/"),
    "tracking:visitor_list": everyone("/website/visitors/"),
    "tracking:site_list": everyone("/settings/sites/"),
    "tracking:site_create": importers("/settings/sites/new/"),
    "tracking:site_edit": importers("/settings/sites/{site}/"),
    "tracking:site_delete": importers("/settings/sites/{site}/delete/", "POST"),
    # lead scoring: everyone reads the rules and a visible contact's score; admins and marketing change them
    "scoring:settings": everyone("/settings/scoring/"),
    "scoring:settings_update": importers("/settings/scoring/thresholds/", "POST"),
    "scoring:rule_create": importers("/settings/scoring/rules/new/"),
    "scoring:rule_edit": importers("/settings/scoring/rules/{rule}/"),
    "scoring:rule_toggle": importers("/settings/scoring/rules/{rule}/toggle/", "POST"),
    "scoring:rule_delete": importers("/settings/scoring/rules/{rule}/delete/", "POST"),
    "scoring:contact_score": oscars("/contacts/{contact}/score/"),
    # segments: everyone looks, admins and marketing build
    "segments:list": everyone("/segments/"),
    "segments:create": importers("/segments/new/"),
    "segments:preview": importers("/segments/preview/", "POST"),
    "segments:detail": everyone("/segments/{segment}/"),
    "segments:edit": importers("/segments/{segment}/edit/"),
    "segments:rebuild": importers("/segments/{segment}/rebuild/", "POST"),
    "segments:delete": importers("/segments/{segment}/delete/", "POST"),
    "segments:member_remove": importers("/segments/{segment}/members/{contact}/remove/", "POST"),
    # API documentation is public; the operations follow below
    # the hand-off: sam cannot reach oscar's hand-off; marketing sees it but only its salesperson decides
    "sales:queue": everyone("/handoff/"),
    "sales:overview": importers("/handoff/overview/"),
    "sales:accept": Entry("/handoff/{handoff}/accept/", "POST", expect={"sam": 404, "maria": 403}),
    "sales:reject": Entry("/handoff/{handoff}/reject/", "POST", expect={"sam": 404, "maria": 403}),
    "sales:settings": admin_only("/settings/handoff/"),
    "sales:reason_create": admin_only("/settings/handoff/reasons/", "POST"),
    "sales:reason_toggle": admin_only("/settings/handoff/reasons/{reason}/toggle/", "POST"),
    "sales:rule_create": admin_only("/settings/handoff/rules/new/"),
    "sales:rule_delete": admin_only("/settings/handoff/rules/{routing_rule}/delete/", "POST"),
    "api:openapi-json": public("/api/v1/openapi.json"),
    "api:openapi-view": public("/api/v1/docs"),
    "api:api-root": public("/api/v1/"),
    "api:not_found": Entry("/api/v1/no-such-route", default=404, anonymous=404),
}

# API operations, called with a bearer token holding every scope the persona's role allows.
# sam's token must not reach oscar's contact, company edits or note; maria cannot edit oscar's note.
API_EXPECT: dict[str, dict[str, Any]] = {
    "me": {},
    "contact_list": {},
    "contact_upsert": {},
    "contact_get": {"sam": 404},
    "contact_update": {"sam": 404},
    "contact_delete": {"sam": 404},
    "contact_merge": {"sam": 404},
    "contact_timeline": {"sam": 404},
    "note_create": {"sam": 404},
    "note_update": {"sam": 404, "maria": 403},
    "note_delete": {"sam": 404, "maria": 403},
    "company_list": {},
    "company_create": {},
    "company_get": {},
    "company_update": {"sam": 403},
    "company_delete": {"sam": 403},
    "handoff_list": {},
    "handoff_accept": {"sam": 404, "maria": 403},
    "handoff_reject": {"sam": 404, "maria": 403},
    "property_list": {},
    "property_create": {"sam": 403, "oscar": 403},
    "property_update": {"sam": 403, "oscar": 403},
    "property_delete": {"sam": 403, "oscar": 403},
    "segment_list": {},
    "segment_create": {"sam": 403, "oscar": 403},
    "segment_preview": {},
    "segment_get": {},
    "segment_update": {"sam": 403, "oscar": 403},
    "segment_delete": {"sam": 403, "oscar": 403},
    "segment_members": {},
    "segment_members_add": {"sam": 403, "oscar": 403},
    "segment_members_remove": {"sam": 403, "oscar": 403},
    "contact_score": {"sam": 404},
    "scoring_rule_list": {},
    "scoring_rule_get": {},
    "scoring_rule_create": {"sam": 403, "oscar": 403},
    "scoring_rule_update": {"sam": 403, "oscar": 403},
    "scoring_rule_delete": {"sam": 403, "oscar": 403},
}


for _area in area_modules():
    UI_ROUTES.update(getattr(_area, "UI_ROUTES", {}))
    API_EXPECT.update(getattr(_area, "API_EXPECT", {}))


def _walk(patterns: list[Any], namespace: str | None = None) -> list[str]:
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            names.extend(_walk(pattern.url_patterns, inner))
        elif isinstance(pattern, URLPattern):
            if not pattern.name:
                names.append(f"<unnamed {pattern.pattern}>")
            else:
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_it_has_an_entry_for_every_route():
    api_operations = {f"api:{route.url_name}" for route in API_ROUTES}
    routes = set(_walk(get_resolver().url_patterns))

    missing = routes - set(UI_ROUTES) - api_operations
    stale = set(UI_ROUTES) - routes

    assert not missing, f"routes without an access entry: {sorted(missing)}"
    assert not stale, f"entries for routes that no longer exist: {sorted(stale)}"
    assert set(API_EXPECT) == {route.url_name for route in API_ROUTES}


@pytest.fixture
def world(personas: dict[str, Any]) -> dict[str, str]:
    from leadline.accounts.selectors import invitation_token

    alice, oscar = personas["alice"], personas["oscar"]
    company = CompanyFactory(owner=oscar)
    contact = ContactFactory(owner=oscar, company=company)
    duplicate = ContactFactory(owner=oscar)
    note = ActivityFactory(contact=contact, actor=oscar)
    team = TeamFactory(name="South")
    team.members.add(oscar)
    invitation = Invitation.objects.create(
        email="newcomer@leadline.test", role=Role.SALES, invited_by=alice, expires_at=_in_days(7)
    )
    token, _secret = api_token_create(user=oscar, name="Oscar's script")
    outbox = OutboxEmail.objects.create(sender="a@b.test", recipients=["c@d.test"], subject="Hi")
    import_job = ImportJob.objects.create(created_by=personas["maria"], file_name="people.csv")
    form = Form.objects.create(name="Contact us", slug="contact-us")
    site = Site.objects.create(name="Main website", allowed_domains=["www.example.com"])
    form_field = FormField.objects.create(form=form, target="company", label="Company")
    ids = {
        "contact": str(contact.public_id),
        "duplicate": str(duplicate.public_id),
        "company": str(company.public_id),
        "note": str(note.public_id),
        "property": str(CustomPropertyFactory().public_id),
        "team": str(team.public_id),
        "person": str(oscar.public_id),
        "invitation": str(invitation.public_id),
        "invitation_token": invitation_token(invitation),
        "token": str(token.public_id),
        "outbox": str(outbox.public_id),
        "import_job": str(import_job.public_id),
        "form": str(form.public_id),
        "form_field": str(form_field.public_id),
        "form_slug": form.slug,
        "site": str(site.public_id),
        "handoff": str(
            Handoff.objects.create(
                contact=contact, assigned_to=oscar, assigned_at=_in_days(0), sla_due_at=_in_days(1)
            ).public_id
        ),
        "reason": str(RejectionReason.objects.get(key="not-a-fit").public_id),
        "routing_rule": str(RoutingRule.objects.create(name="Germany", countries=["DE"]).public_id),
        "segment": str(Segment.objects.create(name="Customers list", kind="static").public_id),
        "rule": str(
            ScoringRule.objects.create(
                name="Pricing", category="engagement", points=1, activity_kind="page.view"
            ).public_id
        ),
    }
    for area in area_modules():
        if hasattr(area, "world"):
            ids.update(area.world(personas, ids))
    return ids


def _in_days(days: int) -> Any:
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(days=days)


def _refused(response: Any) -> Any:
    """What kind of refusal a response is, or OK."""
    if response.status_code in (302, 303) and "/accounts/login/" in response.get("Location", ""):
        return LOGIN
    if response.status_code in (401, 403, 404):
        return response.status_code
    return OK


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route_name", sorted(UI_ROUTES))
def test_it_applies_the_access_rules_to_every_screen(route_name, persona, personas, world):
    entry = UI_ROUTES[route_name]
    client = Client() if persona == "anonymous" else client_for(personas[persona])
    path = entry.path.format(**world)

    if entry.method == "POST":
        response = client.post(path, entry.data or {})
    else:
        response = client.get(path)

    assert response.status_code < 500, f"{route_name} answered {response.status_code} to {persona}"
    expected = entry.outcome(persona)
    if expected == PUBLIC:
        assert _refused(response) in (OK, 404), f"{route_name} refused {persona}"
    else:
        assert _refused(response) == expected, (
            f"{route_name} as {persona}: expected {expected}, got {response.status_code}"
        )


@pytest.mark.parametrize("persona", [persona for persona in PERSONAS if persona != "anonymous"])
@pytest.mark.parametrize("route", API_ROUTES, ids=lambda route: route.url_name)
def test_it_applies_the_access_rules_to_every_api_operation(route, persona, personas, world):
    from tests.api.client import ApiClient

    _token, secret = api_token_create(user=personas[persona], name="matrix")
    client = ApiClient(token=secret)

    response = client.request(route.method, fill(route.path, world), fill(route.body, world))

    assert response.status_code < 500
    expected = API_EXPECT[route.url_name].get(persona, OK)
    assert _refused(response) == expected, (
        f"{route.url_name} as {persona}: expected {expected}, got {response.status_code} {response.content[:200]!r}"
    )
