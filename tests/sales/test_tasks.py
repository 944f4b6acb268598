from leadline.core.scheduler import PERIODIC, run_periodic
from leadline.sales.models import Handoff
from tests.sales.factories import make_mql


def test_it_registers_routing_and_sla_timers_with_the_scheduler():
    assert {
        "leadline.sales.tasks.route_new_mqls",
        "leadline.sales.tasks.keep_sla_timers",
        "leadline.sales.tasks.recycle_rejected_leads",
    } <= set(PERIODIC)


def test_it_routes_when_the_worker_runs_the_periodic_task(sam, tuesday_morning):
    contact = make_mql()

    run_periodic.call("leadline.sales.tasks.route_new_mqls")

    assert Handoff.objects.get(contact=contact).assigned_to == sam
