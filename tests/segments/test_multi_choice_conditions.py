"""Multiple-choice custom properties (JSON lists): contains any / all / none of, empty or not."""

from __future__ import annotations

import pytest

from leadline.contacts.models import Contact, PropertyType
from leadline.segments.compiler import compile_tree
from tests.factories import ContactFactory, CustomPropertyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    CustomPropertyFactory(
        key="interests", type=PropertyType.MULTI_CHOICE, choices=["seo", "ads", "email", "o'hare"]
    )
    ContactFactory(email="both@example.org", properties={"interests": ["seo", "ads"]})
    ContactFactory(email="seo@example.org", properties={"interests": ["seo"]})
    ContactFactory(email="quote@example.org", properties={"interests": ["o'hare"]})
    ContactFactory(email="empty@example.org", properties={"interests": []})
    ContactFactory(email="unset@example.org", properties={})


def matching(op, value=None):
    condition = {"field": "property:interests", "op": op}
    if value is not None:
        condition["value"] = value
    return set(Contact.objects.filter(compile_tree(condition).q).values_list("email", flat=True))


def test_it_matches_lists_holding_any_of_the_values(people):
    assert matching("contains_any", ["ads", "email"]) == {"both@example.org"}
    assert matching("contains_any", ["seo"]) == {"both@example.org", "seo@example.org"}
    assert matching("contains_any", ["o'hare"]) == {"quote@example.org"}


def test_it_matches_lists_holding_all_of_the_values(people):
    assert matching("contains_all", ["seo", "ads"]) == {"both@example.org"}
    assert matching("contains_all", ["seo", "seo"]) == {"both@example.org", "seo@example.org"}
    assert matching("contains_all", ["seo", "email"]) == set()


def test_it_matches_lists_holding_none_of_the_values_including_unset_ones(people):
    assert matching("contains_none", ["seo"]) == {
        "quote@example.org",
        "empty@example.org",
        "unset@example.org",
    }


def test_it_tells_empty_lists_from_filled_ones(people):
    assert matching("is_empty") == {"empty@example.org", "unset@example.org"}
    assert matching("is_not_empty") == {"both@example.org", "seo@example.org", "quote@example.org"}


def test_it_keeps_negation_correct_for_contacts_without_the_property(people):
    tree = {"not": {"field": "property:interests", "op": "contains_all", "value": ["seo", "ads"]}}

    assert set(Contact.objects.filter(compile_tree(tree).q).values_list("email", flat=True)) == {
        "seo@example.org",
        "quote@example.org",
        "empty@example.org",
        "unset@example.org",
    }
