"""URLs of pipelines and deals: boards, lists, deal pages and pipeline settings."""

from django.urls import URLPattern, path

from leadline.sales import deal_views, pipeline_views

urlpatterns: list[URLPattern] = [
    path("deals/", deal_views.board, name="deal_board"),
    path("deals/pipeline/<uuid:pipeline_id>/", deal_views.board, name="deal_board_pipeline"),
    path("deals/list/", deal_views.deal_list, name="deal_list"),
    path("deals/export/", deal_views.deal_export, name="deal_export"),
    path("deals/new/", deal_views.deal_create, name="deal_create"),
    path("deals/lookup/", deal_views.deal_lookup, name="deal_lookup"),
    path("deals/<uuid:public_id>/", deal_views.deal_detail, name="deal_detail"),
    path("deals/<uuid:public_id>/edit/", deal_views.deal_edit, name="deal_edit"),
    path("deals/<uuid:public_id>/delete/", deal_views.deal_delete, name="deal_delete"),
    path("deals/<uuid:public_id>/move/", deal_views.deal_move, name="deal_move"),
    path("deals/<uuid:public_id>/notes/", deal_views.deal_note_add, name="deal_note_add"),
    path("contacts/<uuid:public_id>/deals/", deal_views.contact_deals, name="contact_deals"),
    # Pipeline settings (admins)
    path("settings/pipelines/", pipeline_views.pipeline_settings, name="pipeline_settings"),
    path("settings/pipelines/new/", pipeline_views.pipeline_create, name="pipeline_create"),
    path("settings/pipelines/<uuid:pipeline_id>/", pipeline_views.pipeline_edit, name="pipeline_edit"),
    path(
        "settings/pipelines/<uuid:pipeline_id>/default/",
        pipeline_views.pipeline_make_default,
        name="pipeline_make_default",
    ),
    path(
        "settings/pipelines/<uuid:pipeline_id>/archive/",
        pipeline_views.pipeline_archive,
        name="pipeline_archive",
    ),
    path(
        "settings/pipelines/<uuid:pipeline_id>/delete/",
        pipeline_views.pipeline_delete,
        name="pipeline_delete",
    ),
    path("settings/pipelines/<uuid:pipeline_id>/stages/", pipeline_views.stage_create, name="stage_create"),
    path("settings/stages/<uuid:stage_id>/", pipeline_views.stage_update, name="stage_update"),
    path("settings/stages/<uuid:stage_id>/move/", pipeline_views.stage_reorder, name="stage_reorder"),
    path("settings/stages/<uuid:stage_id>/delete/", pipeline_views.stage_delete, name="stage_delete"),
    path("settings/lost-reasons/", pipeline_views.lost_reason_create, name="lost_reason_create"),
    path(
        "settings/lost-reasons/<uuid:reason_id>/toggle/",
        pipeline_views.lost_reason_toggle,
        name="lost_reason_toggle",
    ),
]
