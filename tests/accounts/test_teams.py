"""Creating, renaming and deleting teams, and choosing who is in them."""

from leadline.accounts.models import Team
from leadline.core.models import AuditEntry
from tests.conftest import client_for
from tests.factories import TeamFactory, UserFactory


def test_it_lists_teams_with_their_members(alice, sam, tess):
    TeamFactory(name="Empty")
    response = client_for(alice).get("/settings/teams/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "North" in body and "Sam Seller" in body and "Tess Teammate" in body
    assert "Nobody yet" in body


def test_it_shows_an_empty_state_without_teams(alice):
    body = client_for(alice).get("/settings/teams/").content.decode()
    assert "No teams yet" in body


def test_it_lists_teams_in_a_constant_number_of_queries(alice, django_assert_max_num_queries):
    client = client_for(alice)
    TeamFactory()
    client.get("/settings/teams/")
    with django_assert_max_num_queries(12) as few:
        client.get("/settings/teams/")
    people = UserFactory.create_batch(10)
    for index in range(20):
        TeamFactory().members.set(people[: index % 10])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/settings/teams/")
    assert len(response.context["page"].object_list) == 21


def test_it_creates_a_team_with_members(alice, sam, oscar):
    page = client_for(alice).get("/settings/teams/new/")
    assert b"Oscar Outsider" in page.content
    response = client_for(alice).post(
        "/settings/teams/new/", {"name": "  South  ", "members": [str(sam.public_id), str(oscar.public_id)]}
    )
    team = Team.objects.get(name="South")
    assert response["Location"] == f"/settings/teams/{team.public_id}/"
    assert set(team.members.all()) == {sam, oscar}
    assert AuditEntry.objects.filter(action="team.created").exists()


def test_it_refuses_a_duplicate_or_empty_name(alice, north_team):
    duplicate = client_for(alice).post("/settings/teams/new/", {"name": "north"})
    assert duplicate.status_code == 400
    assert b"already a team called" in duplicate.content
    empty = client_for(alice).post("/settings/teams/new/", {"name": "   "})
    assert empty.status_code == 400
    assert Team.objects.count() == 1


def test_it_refuses_unknown_members(alice):
    response = client_for(alice).post("/settings/teams/new/", {"name": "West", "members": ["not-an-id"]})
    assert response.status_code == 400
    assert not Team.objects.filter(name="West").exists()


def test_it_renames_a_team(alice, north_team):
    response = client_for(alice).post(f"/settings/teams/{north_team.public_id}/", {"name": "North & East"})
    assert response.status_code == 302
    north_team.refresh_from_db()
    assert north_team.name == "North & East"
    assert AuditEntry.objects.filter(action="team.renamed").exists()


def test_it_keeps_the_old_name_when_the_new_one_is_taken(alice, north_team):
    TeamFactory(name="South")
    response = client_for(alice).post(f"/settings/teams/{north_team.public_id}/", {"name": "South"})
    assert response.status_code == 400
    assert b"already a team called" in response.content
    north_team.refresh_from_db()
    assert north_team.name == "North"


def test_it_adds_and_removes_members(alice, sam, oscar, north_team):
    client = client_for(alice)
    page = client.get(f"/settings/teams/{north_team.public_id}/")
    assert page.status_code == 200
    assert [person.email for person in page.context["add_form"].fields["user"].queryset] == [
        "alice@leadline.test",
        "oscar@leadline.test",
    ]
    client.post(f"/settings/teams/{north_team.public_id}/members/", {"user": str(oscar.public_id)})
    assert oscar in north_team.members.all()
    client.post(f"/settings/teams/{north_team.public_id}/members/{sam.public_id}/remove/")
    assert sam not in north_team.members.all()
    assert AuditEntry.objects.filter(action="team.members_changed").count() == 2


def test_it_refuses_to_add_someone_twice_or_someone_unknown(alice, sam, north_team):
    client = client_for(alice)
    twice = client.post(f"/settings/teams/{north_team.public_id}/members/", {"user": str(sam.public_id)})
    assert twice.status_code == 400
    unknown = client.post(f"/settings/teams/{north_team.public_id}/members/", {"user": "nope"})
    assert unknown.status_code == 400
    assert north_team.members.count() == 1


def test_it_answers_404_when_removing_someone_not_in_the_team(alice, oscar, north_team):
    response = client_for(alice).post(
        f"/settings/teams/{north_team.public_id}/members/{oscar.public_id}/remove/"
    )
    assert response.status_code == 404


def test_it_asks_before_deleting_and_keeps_the_members(alice, sam, north_team):
    client = client_for(alice)
    confirm = client.get(f"/settings/teams/{north_team.public_id}/delete/")
    assert confirm.status_code == 200
    assert b"Delete the team" in confirm.content
    assert Team.objects.filter(pk=north_team.pk).exists()
    response = client.post(f"/settings/teams/{north_team.public_id}/delete/")
    assert response["Location"] == "/settings/teams/"
    assert not Team.objects.filter(pk=north_team.pk).exists()
    sam.refresh_from_db()
    assert sam.is_active
    assert AuditEntry.objects.filter(action="team.deleted", summary="North").exists()


def test_it_does_not_let_sales_change_teams(sam, north_team):
    client = client_for(sam)
    assert client.post(f"/settings/teams/{north_team.public_id}/", {"name": "Mine"}).status_code == 403
    assert client.post(f"/settings/teams/{north_team.public_id}/delete/").status_code == 403
    north_team.refresh_from_db()
    assert north_team.name == "North"


def test_it_escapes_a_hostile_team_name(alice):
    TeamFactory(name="<svg onload=alert(1)>")
    body = client_for(alice).get("/settings/teams/").content.decode()
    assert "<svg onload" not in body
    assert "&lt;svg onload=alert(1)&gt;" in body
