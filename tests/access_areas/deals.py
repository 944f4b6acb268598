"""Access tables of pipelines and deals.

Everyone signed in reads the deals they may see; sam (sales, North) gets 404 for oscar's deal as
for a missing one; maria (marketing) reads deals but may not change them (403); pipeline settings
are for admins only.
"""

from __future__ import annotations

from typing import Any

from leadline.sales.models import LostReason, StageKind
from tests.access_areas import Entry, Route, admin_only, everyone, oscars
from tests.sales.factories import DealFactory, PipelineFactory


def sellers(path: str, method: str = "GET", **kwargs: Any) -> Entry:
    """Screens for working deals: not for marketing."""
    return Entry(path, method, expect={"maria": 403}, **kwargs)


def oscars_deal(path: str, method: str = "GET", **kwargs: Any) -> Entry:
    """Changing oscar's deal: sam cannot see it (404), maria cannot change it (403)."""
    return Entry(path, method, expect={"sam": 404, "maria": 403}, **kwargs)


UI_ROUTES: dict[str, Entry] = {
    "sales:deal_board": everyone("/deals/"),
    "sales:deal_board_pipeline": everyone("/deals/pipeline/{pipeline}/"),
    "sales:deal_list": everyone("/deals/list/"),
    "sales:deal_export": everyone("/deals/export/"),
    "sales:deal_lookup": everyone("/deals/lookup/?q=ab"),
    "sales:deal_create": sellers("/deals/new/"),
    "sales:deal_detail": oscars("/deals/{deal}/"),
    "sales:deal_edit": oscars_deal("/deals/{deal}/edit/"),
    "sales:deal_delete": oscars_deal("/deals/{deal}/delete/", "POST"),
    "sales:deal_move": oscars_deal("/deals/{deal}/move/", "POST", data={"stage": "{stage}"}),
    "sales:deal_note_add": oscars_deal("/deals/{deal}/notes/", "POST", data={"body": "Called"}),
    "sales:contact_deals": oscars("/contacts/{contact}/deals/"),
    "sales:pipeline_settings": admin_only("/settings/pipelines/"),
    "sales:pipeline_create": admin_only("/settings/pipelines/new/"),
    "sales:pipeline_edit": admin_only("/settings/pipelines/{pipeline}/"),
    "sales:pipeline_make_default": admin_only("/settings/pipelines/{pipeline}/default/", "POST"),
    "sales:pipeline_archive": admin_only("/settings/pipelines/{pipeline}/archive/", "POST"),
    "sales:pipeline_delete": admin_only("/settings/pipelines/{pipeline}/delete/", "POST"),
    "sales:stage_create": admin_only("/settings/pipelines/{pipeline}/stages/", "POST"),
    "sales:stage_update": admin_only("/settings/stages/{stage}/", "POST"),
    "sales:stage_reorder": admin_only("/settings/stages/{stage}/move/", "POST", data={"direction": "up"}),
    "sales:stage_delete": admin_only("/settings/stages/{stage}/delete/", "POST"),
    "sales:lost_reason_create": admin_only("/settings/lost-reasons/", "POST", data={"label": "Went quiet"}),
    "sales:lost_reason_toggle": admin_only("/settings/lost-reasons/{lostreason}/toggle/", "POST"),
}

API_ROUTES = [
    Route("pipeline_list", "GET", "/pipelines", "sales:read"),
    Route("pipeline_get", "GET", "/pipelines/{pipeline}", "sales:read"),
    Route("pipeline_create", "POST", "/pipelines", "settings:write", {"name": "Partnerships"}),
    Route("pipeline_update", "PATCH", "/pipelines/{pipeline}", "settings:write", {"rotting_days": 21}),
    Route("pipeline_delete", "DELETE", "/pipelines/{pipeline}", "settings:write"),
    Route("stage_list", "GET", "/pipelines/{pipeline}/stages", "sales:read"),
    Route("stage_create", "POST", "/pipelines/{pipeline}/stages", "settings:write", {"name": "Trial"}),
    Route("stage_update", "PATCH", "/stages/{stage}", "settings:write", {"probability": 35}),
    Route("stage_delete", "DELETE", "/stages/{stage}", "settings:write"),
    Route("lost_reason_list", "GET", "/lost-reasons", "sales:read"),
    Route("deal_list", "GET", "/deals", "sales:read"),
    Route("deal_create", "POST", "/deals", "sales:write", {"name": "Annual plan", "amount": "1200.00"}),
    Route("deal_get", "GET", "/deals/{deal}", "sales:read"),
    Route("deal_update", "PATCH", "/deals/{deal}", "sales:write", {"amount": "2500.00"}),
    Route("deal_delete", "DELETE", "/deals/{deal}", "sales:write"),
    Route("deal_move", "POST", "/deals/{deal}/move", "sales:write", {"stage": "{stage}"}),
]

# Tokens carry every scope the persona's role allows: settings:write only for admins and marketing.
SETTINGS_ONLY_ADMIN = {"maria": 403, "sam": 403, "oscar": 403}
API_EXPECT: dict[str, dict[str, Any]] = {
    "pipeline_list": {},
    "pipeline_get": {},
    "pipeline_create": SETTINGS_ONLY_ADMIN,
    "pipeline_update": SETTINGS_ONLY_ADMIN,
    "pipeline_delete": SETTINGS_ONLY_ADMIN,
    "stage_list": {},
    "stage_create": SETTINGS_ONLY_ADMIN,
    "stage_update": SETTINGS_ONLY_ADMIN,
    "stage_delete": SETTINGS_ONLY_ADMIN,
    "lost_reason_list": {},
    "deal_list": {},
    "deal_create": {"maria": 403},
    "deal_get": {"sam": 404},
    "deal_update": {"sam": 404, "maria": 403},
    "deal_delete": {"sam": 404, "maria": 403},
    "deal_move": {"sam": 404, "maria": 403},
}


def _deal_world(owner: Any, contact: Any = None) -> dict[str, str]:
    """A deal of `owner` in a pipeline of its own (with an empty open stage to move it to), and an
    empty pipeline the settings routes may change or delete."""
    pipeline = PipelineFactory(name=f"Partners of {owner.first_name}")
    stages = list(pipeline.stages.order_by("position"))
    deal = DealFactory(
        pipeline=pipeline, stage=stages[0], owner=owner, **({"contact": contact} if contact else {})
    )
    demo = next(stage for stage in stages if stage.kind == StageKind.OPEN and stage.pk != stages[0].pk)
    return {
        "pipeline": str(PipelineFactory(name=f"Spare of {owner.first_name}").public_id),
        "stage": str(demo.public_id),
        "deal": str(deal.public_id),
        "lostreason": str(LostReason.objects.get(key="no-budget").public_id),
    }


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    """oscar's deal on oscar's contact, in a pipeline of its own with an open stage to move to."""
    from leadline.contacts.models import Contact

    contact = Contact.objects.get(public_id=ids["contact"])
    return _deal_world(personas["oscar"], contact)


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _deal_world(alice)
