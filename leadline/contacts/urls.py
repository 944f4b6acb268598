from django.urls import path

from leadline.contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_create, name="create"),
    path("bulk/", views.contact_bulk, name="bulk"),
    path("<uuid:public_id>/", views.contact_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.contact_edit, name="edit"),
    path("<uuid:public_id>/delete/", views.contact_delete, name="delete"),
    path("<uuid:public_id>/merge/", views.contact_merge, name="merge"),
    path("<uuid:public_id>/merge/search/", views.contact_merge_search, name="merge_search"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/<uuid:public_id>/", views.company_detail, name="company_detail"),
    path("companies/<uuid:public_id>/edit/", views.company_edit, name="company_edit"),
    path("companies/<uuid:public_id>/delete/", views.company_delete, name="company_delete"),
]
