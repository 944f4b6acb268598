"""Editing one's own profile: name, time zone and being away."""

from tests.conftest import client_for


def test_it_shows_the_profile_with_links_to_password_and_two_factor(sam):
    response = client_for(sam).get("/settings/profile/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="Sam"' in body
    assert 'href="/accounts/password/change/"' in body
    assert 'href="/accounts/2fa/"' in body


def test_it_saves_name_time_zone_and_away(sam):
    response = client_for(sam).post(
        "/settings/profile/",
        {"first_name": "Samuel", "last_name": "Seller", "time_zone": "Europe/Berlin", "is_away": "on"},
    )
    assert response.status_code == 302
    sam.refresh_from_db()
    assert (sam.first_name, sam.time_zone, sam.is_away) == ("Samuel", "Europe/Berlin", True)


def test_it_clears_away_when_the_box_is_unticked(sam):
    sam.is_away = True
    sam.save()
    client_for(sam).post("/settings/profile/", {"first_name": "Sam", "last_name": "", "time_zone": "UTC"})
    sam.refresh_from_db()
    assert sam.is_away is False


def test_it_refuses_an_unknown_time_zone_and_keeps_the_old_one(sam):
    response = client_for(sam).post(
        "/settings/profile/", {"first_name": "Sam", "last_name": "Seller", "time_zone": "Mars/Olympus_Mons"}
    )
    assert response.status_code == 400
    assert b"has-error" in response.content
    sam.refresh_from_db()
    assert sam.time_zone == "UTC"


def test_it_shows_a_hostile_name_escaped(sam):
    client = client_for(sam)
    client.post(
        "/settings/profile/",
        {"first_name": "<script>alert(1)</script>", "last_name": "x", "time_zone": "UTC"},
    )
    body = client.get("/settings/profile/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_it_changes_only_the_signed_in_persons_profile(sam, tess):
    client_for(sam).post("/settings/profile/", {"first_name": "Changed", "last_name": "", "time_zone": "UTC"})
    tess.refresh_from_db()
    assert tess.first_name == "Tess"
