from django.urls import path

app_name = "contacts_io"

urlpatterns: list = []
