"""Random and hostile trees: each one compiles and runs, or is a SegmentError / 400 — never a
database error or a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadline.contacts.models import Contact
from leadline.segments.compiler import (
    BEHAVIOUR_OPERATORS,
    CONTACT_FIELDS,
    OPERATORS,
    SegmentError,
    compile_tree,
)
from leadline.segments.models import Segment

pytestmark = pytest.mark.django_db

HOSTILE = [
    "user__password",
    "owner__password",
    "_connector",
    "__class__",
    "pk",
    "id__gt",
    "company__owner__password",
    "property:",
    "property:__class__",
    "property:plan__contains",
    "'; DROP TABLE x; --",
    "<script>",
]
FIELDS = [*CONTACT_FIELDS, "property:plan", "property:seats", "property:tags", *HOSTILE]
# Replaced by real ids of the world's stage and product before compiling.
STAGE, PRODUCT = "@stage", "@product"
OPS = sorted(
    {op for ops in OPERATORS.values() for op in ops}
    | {op for ops in BEHAVIOUR_OPERATORS.values() for op in ops}
    | {"like", "__gt", "regex"}
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "2026-01-01",
            "2026-13-45",
            "none",
            "granted",
            "lead",
            "/pricing",
            "00000000-0000-0000-0000-000000000000",
        ]
    ),
)
values = st.one_of(scalars, st.lists(scalars, max_size=4))
conditions = st.fixed_dictionaries(
    {
        "field": st.one_of(st.sampled_from(FIELDS), st.text(max_size=20)),
        "op": st.one_of(st.sampled_from(OPS), st.text(max_size=8)),
    },
    optional={
        "value": values,
        "min_count": scalars,
        "within_days": scalars,
        "currency": st.one_of(scalars, st.sampled_from(["USD", "usd", "XXX"])),
        "_connector": st.just("OR"),
    },
)
TYPED_VALUES = {
    "text": st.one_of(st.text(max_size=20), st.lists(st.text(max_size=10), min_size=1, max_size=3)),
    "number": st.one_of(
        st.integers(-1000, 1000),
        st.floats(-1e6, 1e6),
        st.lists(st.integers(-100, 100), min_size=2, max_size=2),
    ),
    "date": st.one_of(
        st.integers(0, 400),
        st.dates().map(str),
        st.lists(st.dates().map(str), min_size=2, max_size=2),
    ),
    "choice": st.one_of(
        st.sampled_from(["lead", "mql", "granted", "none", "pro"]),
        st.lists(st.sampled_from(["lead", "none", "free"]), min_size=1, max_size=2),
    ),
    "boolean": st.none(),
    "owner": st.sampled_from(["none", ["none"]]),
    "behaviour": st.text(max_size=12),
    "segment": st.just("00000000-0000-0000-0000-000000000000"),
    "multi_choice": st.one_of(
        st.lists(st.sampled_from(["a", "b", "c", "'; --", "%"]), min_size=1, max_size=3), st.text(max_size=5)
    ),
    "deal": st.one_of(
        st.sampled_from([STAGE, "00000000-0000-0000-0000-000000000000", "not an id"]),
        st.lists(st.sampled_from([STAGE, "x"]), min_size=1, max_size=2),
    ),
    "order": st.one_of(
        st.sampled_from([PRODUCT, "00000000-0000-0000-0000-000000000000"]), st.just([PRODUCT])
    ),
    "total": st.one_of(
        st.integers(-10, 1000), st.floats(-1e6, 1e6), st.lists(st.integers(-5, 500), min_size=2, max_size=2)
    ),
}
TYPED_FIELDS = [(name, spec.type) for name, spec in CONTACT_FIELDS.items()] + [
    ("property:plan", "choice"),
    ("property:seats", "number"),
    ("property:tags", "multi_choice"),
]


def _typed(pair):
    name, kind = pair
    ops = BEHAVIOUR_OPERATORS[name] if kind == "behaviour" else OPERATORS[kind]
    extra: dict = {}
    if kind == "behaviour":
        extra = {"min_count": st.integers(1, 3), "within_days": st.integers(1, 30)}
    elif kind == "order":
        extra = {"within_days": st.integers(1, 30)}
    elif name == "revenue":
        extra = {"currency": st.sampled_from(["USD", "EUR"])}
    return st.fixed_dictionaries(
        {"field": st.just(name), "op": st.sampled_from(ops), "value": TYPED_VALUES[kind]}, optional=extra
    )


typed_conditions = st.sampled_from(TYPED_FIELDS).flatmap(_typed)
trees = st.recursive(
    st.one_of(
        typed_conditions,
        typed_conditions,
        conditions,
        scalars,
        st.dictionaries(st.sampled_from([*HOSTILE, "and", "or", "not"]), scalars, max_size=2),
    ),
    lambda children: st.one_of(
        st.builds(lambda items: {"and": items}, st.lists(children, max_size=4)),
        st.builds(lambda items: {"or": items}, st.lists(children, max_size=4)),
        st.builds(lambda item: {"not": item}, children),
    ),
    max_leaves=25,
)


@pytest.fixture
def world(db):
    from tests.factories import ContactFactory, CustomPropertyFactory
    from tests.sales.factories import DealFactory, ProductFactory, make_order

    CustomPropertyFactory(key="plan", type="choice", choices=["free", "pro"])
    CustomPropertyFactory(key="seats", type="number")
    CustomPropertyFactory(key="tags", type="multi_choice", choices=["a", "b", "c"])
    contact = ContactFactory(properties={"plan": "pro", "seats": 3, "tags": ["a", "b"]}, score=10)
    deal = DealFactory(contact=contact)
    make_order(contact, "250.00")
    return {STAGE: str(deal.stage.public_id), PRODUCT: str(ProductFactory().public_id)}


def _with_ids(tree, ids):
    """The tree with the placeholders of real objects replaced by their ids."""
    if isinstance(tree, dict):
        return {key: _with_ids(value, ids) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_with_ids(item, ids) for item in tree]
    return ids.get(tree, tree) if isinstance(tree, str) else tree


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees)
def test_it_compiles_or_refuses_any_tree(world, tree):
    tree = _with_ids(tree, world)
    try:
        compiled = compile_tree(tree)
    except SegmentError:
        return
    Contact.objects.filter(compiled.q).count()  # a DB error here fails the test


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees)
def test_it_answers_400_never_500_through_the_api(world, alice, tree):
    from leadline.accounts.services import api_token_create
    from tests.api.client import ApiClient

    _token, secret = api_token_create(user=alice, name="fuzz", scopes=["contacts:read", "contacts:write"])
    client = ApiClient(token=secret)
    body = {"definition": _with_ids(tree, world)}
    preview = client.request("POST", "/segments/preview", body)
    created = client.request("POST", "/segments", {"name": "Fuzzed", **body})

    assert preview.status_code in (200, 400), preview.content[:300]
    assert created.status_code in (201, 400), created.content[:300]
    if created.status_code == 400:
        assert created.json()["error"]["code"] == "validation_error"


def test_it_refuses_cyclic_references_through_the_api(alice):
    from leadline.accounts.services import api_token_create
    from tests.api.client import ApiClient

    _token, secret = api_token_create(user=alice, name="fuzz", scopes=["contacts:read", "contacts:write"])
    client = ApiClient(token=secret)
    first = client.request(
        "POST", "/segments", {"name": "A", "definition": {"field": "score", "op": "gte", "value": 0}}
    ).json()
    second = client.request(
        "POST",
        "/segments",
        {"name": "B", "definition": {"field": "member_of", "op": "in", "value": first["id"]}},
    ).json()

    response = client.request(
        "PATCH",
        f"/segments/{first['id']}",
        {"definition": {"field": "member_of", "op": "in", "value": second["id"]}},
    )

    assert response.status_code == 400
    assert "cycle" in response.json()["error"]["message"]
    assert Segment.objects.get(public_id=first["id"]).definition == {
        "field": "score",
        "op": "gte",
        "value": 0,
    }
