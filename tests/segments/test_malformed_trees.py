"""Malformed trees are refused with a message naming the bad node."""

from __future__ import annotations

import pytest

from leadline.segments.compiler import MAX_CONDITIONS, SegmentError, compile_tree
from leadline.segments.services import segment_create, segment_update
from tests.factories import CustomPropertyFactory

pytestmark = pytest.mark.django_db


def error_of(tree):
    with pytest.raises(SegmentError) as caught:
        compile_tree(tree)
    return str(caught.value)


def test_it_names_the_node_with_a_wrong_operator():
    tree = {
        "and": [
            {"field": "city", "op": "equals", "value": "Leeds"},
            {"field": "score", "op": "gte", "value": 1},
            {"field": "city", "op": "like", "value": "x"},
        ]
    }

    assert error_of(tree).startswith('and[2].op: "like" is not an operator for text fields')


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        ({"field": "user__password", "op": "equals", "value": "x"}, 'field: "user__password" is not a field'),
        ({"field": "owner__password", "op": "equals", "value": "x"}, "field: "),
        ({"field": "_connector", "op": "equals", "value": "x"}, "field: "),
        ({"_connector": "OR", "and": []}, "expected"),
        ({"__class__": {}}, "expected"),
        ({"field": "property:nope", "op": "equals", "value": "x"}, 'there is no custom property "nope"'),
        ({"field": "score", "op": "gte", "value": "fifty"}, "value: must be a number"),
        ({"field": "score", "op": "between", "value": [1]}, "value: must be a list of two values"),
        ({"field": "lifecycle_stage", "op": "equals", "value": "vip"}, '"vip" is not one of'),
        ({"field": "created_at", "op": "after", "value": "yesterday"}, "must be a date"),
        ({"field": "city", "op": "equals", "value": "x", "lookup": "password"}, 'unknown key "lookup"'),
        ({"or": []}, "or: must not be empty"),
        ({"not": [1]}, "not: must be an object"),
        ([], "must be an object"),
        ({"field": "owner", "op": "equals", "value": "00000000-0000-0000-0000-000000000000"}, "no teammate"),
        (
            {"field": "visited", "op": "contains", "value": "/p", "min_count": 0},
            "min_count: must be a whole number",
        ),
        ({"field": "score", "op": "gte", "value": 1, "within_days": 3}, "only applies to behaviour"),
    ],
)
def test_it_refuses_bad_trees_clearly(tree, message):
    assert message in error_of(tree)


def test_it_limits_depth_and_size():
    deep = {"field": "score", "op": "gte", "value": 1}
    for _ in range(12):
        deep = {"not": deep}
    assert "nested at most" in error_of(deep)

    wide = {"or": [{"field": "score", "op": "eq", "value": n} for n in range(MAX_CONDITIONS + 1)]}
    assert f"at most {MAX_CONDITIONS} conditions" in error_of(wide)


def test_it_refuses_operators_that_do_not_fit_a_multiple_choice_property():
    CustomPropertyFactory(key="tags", type="multi_choice", choices=["a"])

    assert "not an operator for multi-choice fields" in error_of(
        {"field": "property:tags", "op": "equals", "value": "a"}
    )
    assert "value: must be a non-empty list" in error_of(
        {"field": "property:tags", "op": "contains_all", "value": []}
    )


def test_it_refuses_a_segment_that_refers_to_itself_through_another(maria):
    first = segment_create(user=maria, name="First", definition={"field": "score", "op": "gte", "value": 1})
    second = segment_create(
        user=maria,
        name="Second",
        definition={"field": "member_of", "op": "in", "value": str(first.public_id)},
    )

    with pytest.raises(SegmentError) as caught:
        segment_update(
            segment=first, definition={"field": "member_of", "op": "not_in", "value": str(second.public_id)}
        )

    assert "cycle" in str(caught.value)
    first.refresh_from_db()
    assert first.definition == {"field": "score", "op": "gte", "value": 1}
