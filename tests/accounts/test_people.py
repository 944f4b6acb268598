"""The people list: roles, teams, two-factor, last sign-in and status at a glance."""

from leadline.accounts.models import Role
from tests.accounts.factories import enable_totp
from tests.conftest import client_for
from tests.factories import TeamFactory, UserFactory


def test_it_lists_people_with_role_team_two_factor_and_status(alice, maria, sam, oscar):
    enable_totp(maria)
    oscar.is_active = False
    oscar.save()
    response = client_for(alice).get("/settings/people/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "maria@leadline.test" in body and "Marketing" in body
    assert "North" in body
    assert "Deactivated" in body
    assert body.count('badge badge-ok">On') == 1
    people = list(response.context["page"].object_list)
    assert people[-1] == oscar  # deactivated people sink to the bottom


def test_it_finds_people_by_name_or_email(alice, maria, sam):
    response = client_for(alice).get("/settings/people/", {"q": "seller"})
    emails = [person.email for person in response.context["page"].object_list]
    assert emails == ["sam@leadline.test"]


def test_it_shows_an_empty_state_when_nobody_matches(alice):
    response = client_for(alice).get("/settings/people/", {"q": "<b>nobody</b>"})
    assert b"Nobody matches" in response.content
    assert b"<b>nobody</b>" not in response.content


def test_it_lists_people_in_a_constant_number_of_queries(alice, django_assert_max_num_queries):
    client = client_for(alice)
    client.get("/settings/people/")  # warm up session and content types
    with django_assert_max_num_queries(12) as few:
        client.get("/settings/people/")
    teams = TeamFactory.create_batch(3)
    for index in range(25):
        person = UserFactory(role=Role.SALES)
        person.teams.add(teams[index % 3])
        enable_totp(person) if index % 2 else None
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/settings/people/")
    assert len(response.context["page"].object_list) == 26


def test_it_escapes_hostile_names(alice):
    UserFactory(first_name="<img src=x onerror=alert(1)>", last_name="Evil")
    body = client_for(alice).get("/settings/people/").content.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
