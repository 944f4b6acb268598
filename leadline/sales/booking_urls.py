"""URLs of the public booking pages at /meet/<slug>: free slots, booking, cancel and reschedule links."""

from django.urls import path

from leadline.sales import booking_views

urlpatterns = [
    path("", booking_views.booking_index, name="booking_index"),
    path("booked/<str:token>/", booking_views.booking_done, name="booking_done"),
    path("booked/<str:token>/invite.ics", booking_views.booking_invite, name="booking_invite"),
    path("cancel/<str:token>/", booking_views.booking_cancel, name="booking_cancel"),
    path("reschedule/<str:token>/", booking_views.booking_reschedule, name="booking_reschedule"),
    path("<slug:slug>", booking_views.booking_page, name="booking_page"),
]
