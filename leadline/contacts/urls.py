from django.urls import path

from leadline.contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("companies/", views.company_list, name="company_list"),
]
