from datetime import UTC, datetime, timedelta

from django.core import mail

from leadline.accounts.models import Role
from leadline.activity.models import Activity
from leadline.contacts.models import LifecycleStage
from leadline.sales.handoff_routing import handoffs_route_new_mqls
from leadline.sales.models import Handoff, HandoffState, RoutingMode, RoutingRule
from tests.factories import CompanyFactory, ContactFactory, UserFactory
from tests.sales.factories import HandoffFactory, make_mql


def test_it_routes_a_new_mql_to_a_salesperson(sam, tuesday_morning):
    contact = make_mql(first_name="Ada", last_name="Lovelace")

    assert handoffs_route_new_mqls() == 1

    handoff = Handoff.objects.get(contact=contact)
    assert handoff.assigned_to == sam
    assert handoff.state == HandoffState.PENDING
    contact.refresh_from_db()
    assert contact.owner == sam


def test_it_computes_the_sla_in_working_hours(sam, routing, tuesday_morning):
    tuesday_morning.move_to(datetime(2026, 11, 27, 16, 30, tzinfo=UTC))  # Friday afternoon
    contact = make_mql()

    handoffs_route_new_mqls()

    handoff = Handoff.objects.get(contact=contact)
    assert handoff.sla_due_at == datetime(2026, 11, 30, 12, 30, tzinfo=UTC)
    assert handoff.remind_at == datetime(2026, 11, 30, 11, 30, tzinfo=UTC)


def test_it_emails_the_salesperson_and_writes_the_timeline(sam, tuesday_morning):
    contact = make_mql(first_name="Ada", last_name="Lovelace")

    handoffs_route_new_mqls()

    assert [message.to for message in mail.outbox] == [[sam.email]]
    assert "Ada Lovelace" in mail.outbox[0].subject
    entry = Activity.objects.get(contact=contact, kind="handoff.routed")
    assert entry.title == "Routed to Sam Seller (round robin)"


def test_it_routes_each_mql_once_when_the_log_is_read_again(sam, tuesday_morning):
    contact = make_mql()
    handoffs_route_new_mqls()

    from leadline.activity.models import Cursor

    Cursor.objects.filter(name="sales.handoff_routing").update(position=0)  # as if replayed
    assert handoffs_route_new_mqls() == 0

    assert Handoff.objects.filter(contact=contact).count() == 1
    assert len(mail.outbox) == 1


def test_it_takes_turns_fairly_and_skips_people_away(sam, tess, oscar, tuesday_morning):
    tess.is_away = True
    tess.save()
    first, second, third, fourth = (make_mql() for _ in range(4))

    handoffs_route_new_mqls()

    assignees = [
        Handoff.objects.get(contact=contact).assigned_to for contact in (first, second, third, fourth)
    ]
    assert set(assignees) == {sam, oscar}
    assert assignees.count(sam) == 2 and assignees.count(oscar) == 2
    assert tess not in assignees


def test_it_gives_the_next_lead_to_whoever_waited_longest(sam, oscar, tuesday_morning):
    HandoffFactory(assigned_to=sam)  # sam received one recently; oscar never

    contact = make_mql()
    handoffs_route_new_mqls()

    assert Handoff.objects.get(contact=contact).assigned_to == oscar


def test_it_routes_only_to_active_salespeople(maria, alice, tuesday_morning):
    UserFactory(role=Role.SALES, is_active=False)
    contact = make_mql()

    handoffs_route_new_mqls()

    assert not Handoff.objects.filter(contact=contact).exists()


def test_it_applies_rules_before_round_robin(sam, oscar, routing, tuesday_morning):
    routing.mode = RoutingMode.RULES
    routing.save()
    RoutingRule.objects.create(position=1, name="Germany", countries=["DE"], assign_to=oscar)
    german = make_mql(country="DE")
    british = make_mql(country="GB")

    handoffs_route_new_mqls()

    german_handoff = Handoff.objects.get(contact=german)
    assert german_handoff.assigned_to == oscar
    assert german_handoff.routed_by == "Germany"
    assert Handoff.objects.get(contact=british).routed_by == "round robin"


def test_it_routes_big_companies_to_their_owner(sam, oscar, routing, tuesday_morning):
    routing.mode = RoutingMode.RULES
    routing.save()
    RoutingRule.objects.create(position=1, name="Enterprise", min_employee_count=1000, use_company_owner=True)
    big = CompanyFactory(employee_count=5000, owner=oscar)
    small = CompanyFactory(employee_count=20, owner=oscar)
    sam_gets_first = HandoffFactory(assigned_to=oscar)  # so round robin would pick sam next
    assert sam_gets_first

    enterprise_lead = make_mql(company=big)
    small_lead = make_mql(company=small)
    handoffs_route_new_mqls()

    assert Handoff.objects.get(contact=enterprise_lead).assigned_to == oscar
    assert Handoff.objects.get(contact=small_lead).routed_by == "round robin"


def test_it_skips_a_rule_whose_salesperson_is_away(sam, oscar, routing, tuesday_morning):
    routing.mode = RoutingMode.RULES
    routing.save()
    oscar.is_away = True
    oscar.save()
    RoutingRule.objects.create(position=1, name="Germany", countries=["DE"], assign_to=oscar)

    contact = make_mql(country="DE")
    handoffs_route_new_mqls()

    assert Handoff.objects.get(contact=contact).assigned_to == sam


def test_it_ignores_stage_changes_other_than_to_mql(sam, tuesday_morning):
    contact = ContactFactory()
    from leadline.contacts.services import contact_update

    contact_update(contact=contact, actor=None, data={"lifecycle_stage": LifecycleStage.CUSTOMER})

    assert handoffs_route_new_mqls() == 0


def test_it_does_not_route_a_contact_that_moved_on_before_the_worker_ran(sam, tuesday_morning):
    contact = make_mql()
    from leadline.contacts.services import contact_update

    contact_update(contact=contact, actor=None, data={"lifecycle_stage": LifecycleStage.CUSTOMER})

    assert handoffs_route_new_mqls() == 0


def test_it_leaves_old_mql_moves_from_before_routing_alone(sam, tuesday_morning):
    contact = make_mql()
    tuesday_morning.shift(timedelta(days=4))  # the worker first runs days later

    assert handoffs_route_new_mqls() == 0
    assert not Handoff.objects.filter(contact=contact).exists()
