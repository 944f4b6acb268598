from tests.conftest import client_for


def test_it_reports_health(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"]["status"] == "ok"


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get("/contacts/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_shows_home_to_a_signed_in_user(alice):
    response = client_for(alice).get("/")
    assert response.status_code == 200
    assert b"Alice" in response.content
