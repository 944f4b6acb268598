from leadline.accounts.models import Scope
from leadline.contacts.models import LifecycleStage
from leadline.sales.models import HandoffState
from tests.api.client import api_as, error_of
from tests.sales.factories import HandoffFactory

ALL = [Scope.CONTACTS_READ, Scope.CONTACTS_WRITE]


def test_it_lists_my_hand_offs_by_sla_due_time(sam, oscar):
    mine = HandoffFactory(assigned_to=sam)
    HandoffFactory(assigned_to=oscar)

    response = api_as(sam, ALL).get("/handoffs")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [str(mine.public_id)]


def test_it_filters_by_state_and_mine(alice, sam):
    HandoffFactory(assigned_to=sam)
    accepted = HandoffFactory(assigned_to=sam, state=HandoffState.ACCEPTED)
    own = HandoffFactory(assigned_to=alice)

    by_state = api_as(alice, ALL).get("/handoffs", state="accepted").json()["items"]
    mine = api_as(alice, ALL).get("/handoffs", mine="true").json()["items"]

    assert [item["id"] for item in by_state] == [str(accepted.public_id)]
    assert [item["id"] for item in mine] == [str(own.public_id)]


def test_it_refuses_an_unknown_state_filter(sam):
    response = api_as(sam, ALL).get("/handoffs", state="lost")

    assert response.status_code == 400


def test_it_accepts_through_the_api(sam):
    handoff = HandoffFactory(assigned_to=sam)

    response = api_as(sam, ALL).post(f"/handoffs/{handoff.public_id}/accept")

    assert response.status_code == 200
    assert response.json()["state"] == "accepted"
    handoff.contact.refresh_from_db()
    assert handoff.contact.lifecycle_stage == LifecycleStage.SQL


def test_it_rejects_with_a_reason_through_the_api(sam):
    handoff = HandoffFactory(assigned_to=sam)

    response = api_as(sam, ALL).post(
        f"/handoffs/{handoff.public_id}/reject",
        {"reason": "wrong-timing", "comment": "<img src=x onerror=alert(1)>"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "rejected"
    assert body["rejection_reason"] == "wrong-timing"
    assert body["comment"] == "<img src=x onerror=alert(1)>"


def test_it_names_a_bad_reason(sam):
    handoff = HandoffFactory(assigned_to=sam)

    response = api_as(sam, ALL).post(f"/handoffs/{handoff.public_id}/reject", {"reason": "user__password"})

    assert response.status_code == 400
    assert "reason" in error_of(response)["fields"]
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.PENDING


def test_it_refuses_unknown_keys_in_the_body(sam):
    handoff = HandoffFactory(assigned_to=sam)

    response = api_as(sam, ALL).post(
        f"/handoffs/{handoff.public_id}/reject", {"reason": "not-a-fit", "state": "accepted"}
    )

    assert response.status_code == 400


def test_it_answers_conflict_when_already_decided(sam):
    handoff = HandoffFactory(assigned_to=sam, state=HandoffState.ACCEPTED)

    response = api_as(sam, ALL).post(f"/handoffs/{handoff.public_id}/accept")

    assert response.status_code == 409


def test_it_hides_sams_hand_off_from_oscar_and_forbids_marketing(sam, oscar, maria):
    handoff = HandoffFactory(assigned_to=sam)

    assert api_as(oscar, ALL).post(f"/handoffs/{handoff.public_id}/accept").status_code == 404
    assert api_as(maria, ALL).post(f"/handoffs/{handoff.public_id}/accept").status_code == 403
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.PENDING
