from leadline.sales.demo import seed_handoff_demo
from leadline.sales.models import Handoff
from tests.factories import ContactFactory
from tests.sales.factories import make_mql


def test_it_seeds_demo_hand_offs_once(sam, tess):
    for _ in range(6):
        make_mql(ContactFactory())

    seed_handoff_demo(echo=lambda _message: None)
    seed_handoff_demo(echo=lambda _message: None)

    assert Handoff.objects.count() == 6
    assert set(Handoff.objects.values_list("assigned_to", flat=True)) == {sam.pk, tess.pk}
