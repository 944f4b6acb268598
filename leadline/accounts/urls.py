from django.urls import path

from leadline.accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.settings_home, name="settings"),
    path("settings/profile/", views.profile, name="profile"),
    path("settings/people/", views.people, name="people"),
    path("settings/people/invite/", views.invite, name="invite"),
    path("settings/people/<str:public_id>/", views.person_edit, name="person_edit"),
    path("settings/people/<str:public_id>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("settings/people/<str:public_id>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path("settings/invitations/<str:public_id>/resend/", views.invitation_resend, name="invitation_resend"),
    path("settings/invitations/<str:public_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("settings/teams/", views.team_list, name="team_list"),
    path("settings/teams/new/", views.team_create, name="team_create"),
    path("settings/teams/<str:public_id>/", views.team_detail, name="team_detail"),
    path("settings/teams/<str:public_id>/members/", views.team_member_add, name="team_member_add"),
    path(
        "settings/teams/<str:public_id>/members/<str:user_id>/remove/",
        views.team_member_remove,
        name="team_member_remove",
    ),
    path("settings/teams/<str:public_id>/delete/", views.team_delete, name="team_delete"),
    path("settings/tokens/", views.token_list, name="token_list"),
    path("settings/tokens/<str:public_id>/revoke/", views.token_revoke, name="token_revoke"),
]
