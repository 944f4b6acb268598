"""URLs of campaigns (list, editor, schedule, report), included under /email/campaigns/."""

from django.urls import URLPattern, path

from leadline.mail import campaign_views as views

urlpatterns: list[URLPattern] = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("<uuid:public_id>/", views.campaign_detail, name="campaign_detail"),
    path("<uuid:public_id>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<uuid:public_id>/review/", views.campaign_review, name="campaign_review"),
    path("<uuid:public_id>/send/", views.campaign_send, name="campaign_send"),
    path("<uuid:public_id>/progress/", views.campaign_progress, name="campaign_progress"),
    path("<uuid:public_id>/pause/", views.campaign_pause, name="campaign_pause"),
    path("<uuid:public_id>/resume/", views.campaign_resume, name="campaign_resume"),
    path("<uuid:public_id>/cancel/", views.campaign_cancel, name="campaign_cancel"),
    path("<uuid:public_id>/unschedule/", views.campaign_unschedule, name="campaign_unschedule"),
    path("<uuid:public_id>/duplicate/", views.campaign_duplicate, name="campaign_duplicate"),
    path("<uuid:public_id>/delete/", views.campaign_delete, name="campaign_delete"),
    path("<uuid:public_id>/report/", views.campaign_report, name="campaign_report"),
    path("<uuid:public_id>/report/contacts/", views.campaign_recipients, name="campaign_recipients"),
    path("<uuid:public_id>/report/recipients.csv", views.campaign_export, name="campaign_export"),
]
