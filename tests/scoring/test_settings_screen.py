from leadline.scoring.selectors import scoring_settings_get
from tests.conftest import client_for

URL = "/settings/scoring/thresholds/"


def test_it_saves_the_threshold_and_half_life(maria):
    response = client_for(maria).post(
        URL, {"mql_threshold": "60", "half_life_days": "14", "score_cap": "150"}
    )

    assert response.status_code == 302
    settings = scoring_settings_get()
    assert (settings.mql_threshold, settings.half_life_days, settings.score_cap) == (60, 14, 150)


def test_it_keeps_the_stored_settings_on_bad_input(maria):
    response = client_for(maria).post(URL, {"mql_threshold": "-5", "half_life_days": "0", "score_cap": "x"})

    assert response.status_code == 400
    settings = scoring_settings_get()
    assert (settings.mql_threshold, settings.half_life_days, settings.score_cap) == (50, 30, 100)


def test_it_shows_sales_the_settings_without_a_form(sam):
    body = client_for(sam).get("/settings/scoring/").content.decode()
    assert "MQL threshold" in body and "Save settings" not in body


def test_it_does_not_let_sales_change_the_settings(sam):
    assert (
        client_for(sam).post(URL, {"mql_threshold": "1", "half_life_days": "1", "score_cap": "1"}).status_code
        == 403
    )
    assert scoring_settings_get().mql_threshold == 50
