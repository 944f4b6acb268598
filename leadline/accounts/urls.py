from django.urls import path

from leadline.accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.settings_home, name="settings"),
    path("settings/profile/", views.profile, name="profile"),
]
