"""URLs of 1:1 email from a contact page, included under /email/messages/."""

from django.urls import path

from leadline.mail import personal_views

urlpatterns = [
    path("sent/", personal_views.personal_sent, name="personal_sent"),
    path("contacts/<uuid:public_id>/", personal_views.personal_panel, name="personal_panel"),
    path("contacts/<uuid:public_id>/send/", personal_views.personal_send, name="personal_send"),
]
