from django.urls import path

from leadline.contacts import import_views

app_name = "contacts_io"

urlpatterns = [
    path("import/", import_views.import_start, name="import_start"),
    path("import/<uuid:public_id>/", import_views.import_detail, name="import_detail"),
    path("import/<uuid:public_id>/mapping/", import_views.import_mapping, name="import_mapping"),
    path("import/<uuid:public_id>/status/", import_views.import_status, name="import_status"),
    path("import/<uuid:public_id>/run/", import_views.import_run, name="import_run"),
    path("import/<uuid:public_id>/discard/", import_views.import_discard, name="import_discard"),
    path("import/<uuid:public_id>/problems.csv", import_views.import_errors, name="import_errors"),
    path("export/", import_views.export_contacts, name="export"),
]
