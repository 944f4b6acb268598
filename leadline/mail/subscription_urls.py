"""URLs of subscription types (settings), included under /email/subscriptions/."""

from django.urls import path

from leadline.mail import subscription_views

urlpatterns = [
    path("", subscription_views.subscription_list, name="subscription_list"),
    path("new/", subscription_views.subscription_create, name="subscription_create"),
    path("unsubscribes/", subscription_views.unsubscribe_list, name="unsubscribe_list"),
    path(
        "contacts/<uuid:public_id>/",
        subscription_views.contact_unsubscribes,
        name="contact_unsubscribes",
    ),
    path("<uuid:public_id>/", subscription_views.subscription_edit, name="subscription_edit"),
    path("<uuid:public_id>/archive/", subscription_views.subscription_archive, name="subscription_archive"),
    path("<uuid:public_id>/restore/", subscription_views.subscription_restore, name="subscription_restore"),
]
